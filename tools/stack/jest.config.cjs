// One test file at a time: the cluster test starts three broker JVMs, which on 2 cores would slow the
// others (and their timeouts) if run side by side.
module.exports = require('../../jest.base.cjs')(__dirname, { maxWorkers: 1 });

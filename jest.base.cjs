// Shared jest settings: TypeScript through SWC (type checking is `tsc`'s job, in `typecheck`),
// and workspace packages resolved to their sources through the `@pipeline/source` export condition,
// so tests never need a prior build.
const path = require('node:path');

/** @param {string} dir the package folder */
module.exports = function jestConfig(dir, overrides = {}) {
  return {
    rootDir: dir,
    testEnvironment: 'node',
    testMatch: ['<rootDir>/test/**/*.test.ts'],
    transform: {
      '^.+\\.(t|j|mj)sx?$': [
        require.resolve('@swc/jest', { paths: [dir, __dirname] }),
        {
          jsc: { parser: { syntax: 'typescript' }, target: 'es2022' },
          module: { type: 'commonjs' },
          sourceMaps: 'inline',
        },
      ],
    },
    // ES-module-only packages (hyparquet; uuid 13, which @dsnp/parquetjs loads through thrift):
    // let SWC turn them into CommonJS, since jest cannot require ES modules on Node 20.
    transformIgnorePatterns: ['/node_modules/(?!(\\.pnpm/)?(hyparquet|hyparquet-compressors|uuid))'],
    testEnvironmentOptions: { customExportConditions: ['@pipeline/source', 'node', 'require', 'default'] },
    moduleFileExtensions: ['ts', 'js', 'mjs', 'cjs', 'json'],
    ...overrides,
  };
};
module.exports.root = path.resolve(__dirname);

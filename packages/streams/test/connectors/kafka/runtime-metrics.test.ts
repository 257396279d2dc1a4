import { emptyMetrics } from '../../../src/runtime/metrics';
import { addCounters, retire } from '../../../src/connectors/kafka/runtime-metrics';

// The runtime's metrics outlive its engines: a rebalance closes one and starts another, whose
// counters start at 0. The duration of the last commit is the last one the runtime made, not 0
// until the new engine's first commit (streams_last_commit_seconds read 0 after every rebalance).

it("keeps the last commit's duration across a rebalance until the new engine commits", () => {
  const retired = retire(emptyMetrics(), { ...emptyMetrics(), commits: 5, lastCommitMs: 840, commitMsTotal: 2_000 });
  expect(addCounters(retired, emptyMetrics())).toMatchObject({ commits: 5, lastCommitMs: 840, commitMsTotal: 2_000 });
  expect(addCounters(retired, { ...emptyMetrics(), commits: 1, lastCommitMs: 12, commitMsTotal: 12 })).toMatchObject({ commits: 6, lastCommitMs: 12, commitMsTotal: 2_012 });
});

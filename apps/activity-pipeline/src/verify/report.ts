/** The outcome of one check. `skip`: not run, because a check it needs failed. */
export interface CheckResult {
  readonly name: string;
  readonly status: 'pass' | 'fail' | 'skip';
  readonly detail: string;
}

export const pass = (name: string, detail: string): CheckResult => ({ name, status: 'pass', detail });
export const fail = (name: string, detail: string): CheckResult => ({ name, status: 'fail', detail });
export const skip = (name: string, detail: string): CheckResult => ({ name, status: 'skip', detail });

const LABEL: Record<CheckResult['status'], string> = { pass: 'PASS', fail: 'FAIL', skip: 'SKIP' };

/** One line per check, its detail indented under it when it spans several lines. */
export function formatResult(r: CheckResult): string {
  const [first, ...rest] = r.detail.split('\n');
  return [`  ${LABEL[r.status]}  ${r.name.padEnd(18)} ${first}`, ...rest.map((l) => `${' '.repeat(26)} ${l}`)].join('\n');
}

/** The closing line, and whether the run passed: nothing failed and nothing was skipped. */
export function summary(results: readonly CheckResult[]): { ok: boolean; line: string } {
  const count = (s: CheckResult['status']) => results.filter((r) => r.status === s).length;
  const ok = count('fail') === 0 && count('skip') === 0;
  return { ok, line: `verify: ${ok ? 'OK' : 'FAILED'}: ${count('pass')} passed, ${count('fail')} failed, ${count('skip')} skipped` };
}

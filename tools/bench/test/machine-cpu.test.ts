import { existsSync } from 'node:fs';
import { cpuSnapshot, machineCpuBetween, parseMachineStat, parseWaitedNs, startMachineCpu, type CpuSnapshot, type GroupedProcess } from '../src/machine-cpu';

const procStat = (user: number, idle: number, iowait: number, steal: number) =>
  [`cpu  ${user} 7 100 ${idle} ${iowait} 0 50 ${steal} 40 0`, 'cpu0 1 0 1 1 0 0 0 0 0 0', 'cpu1 1 0 1 1 0 0 0 0 0 0', 'intr 1 2 3', 'ctxt 5'].join('\n');

describe('reading /proc/stat', () => {
  it('sums the machine over its cpuN lines: busy is neither idle, I/O wait nor steal; guest time is inside user', () => {
    // total = 1,000 + 7 + 100 + 5,000 + 200 + 0 + 50 + 30; busy = total − 5,000 − 200 − 30.
    expect(parseMachineStat(procStat(1_000, 5_000, 200, 30))).toEqual({ busy: 1_157, total: 6_387, cores: 2 });
  });

  it('gives nothing for a text without CPUs', () => {
    expect(parseMachineStat('intr 1 2 3\n')).toBeUndefined();
    expect(parseMachineStat('cpu  1 2 3 4 5 6 7 8 9 10\n')).toBeUndefined();
  });
});

describe('reading schedstat', () => {
  it('takes the run-queue wait, its second field', () => {
    expect(parseWaitedNs('123456789 98765 42\n')).toBe(98_765);
    expect(parseWaitedNs('garbage')).toBeUndefined();
    expect(parseWaitedNs('0 0 0\n')).toBeUndefined(); // schedstats switched off
  });
});

const linux = existsSync('/proc/stat') ? it : it.skip;

describe('on this machine', () => {
  linux('finds this process and sees the CPU its main thread spends', () => {
    expect(cpuSnapshot()?.processes.get(process.pid)?.group).toBe('thisProcess');
    const measure = startMachineCpu();
    const until = Date.now() + 500;
    let spin = 0;
    while (Date.now() < until) spin += Math.sqrt(spin + 1);
    const m = measure()!;
    expect(spin).toBeGreaterThan(0);
    expect(m.cores).toBeGreaterThanOrEqual(1);
    // A spinning thread is on a core or waiting for one, however loaded the machine: the two add up
    // to about 1 (clock ticks are 10 ms). Without schedstat, only its time on a core is known.
    expect(m.mainThread).toBeGreaterThan(0.05);
    if (m.mainThreadWaiting !== undefined) {
      expect(m.mainThread + m.mainThreadWaiting).toBeGreaterThan(0.6);
      expect(m.mainThread + m.mainThreadWaiting).toBeLessThan(1.15);
    }
    expect(m.thisProcess).toBeGreaterThanOrEqual(m.mainThread - 0.1);
    expect(m.busy).toBeGreaterThanOrEqual(m.thisProcess - 0.1);
  });
});

describe('cores used between two snapshots', () => {
  const snapshot = (busy: number, total: number, mainThreadTicks: number, newestStart: number, processes: Array<[number, GroupedProcess]>): CpuSnapshot => ({
    machine: { busy, total, cores: 2 },
    mainThreadTicks,
    processes: new Map(processes),
    newestStart,
  });

  it('gives each group its ticks over the elapsed ticks of one core', () => {
    // 1,000 ticks elapsed on each of 2 cores; the machine busy 1,800 of 2,000.
    const start = snapshot(10_000, 50_000, 60, 5_000, [
      [1, { group: 'thisProcess', ticks: 100, startTime: 4_000 }],
      [2, { group: 'broker', ticks: 1_000, startTime: 100 }],
      [3, { group: 'postgres', ticks: 10, startTime: 200 }],
      [4, { group: 'postgres', ticks: 20, startTime: 4_500 }],
      [5, { group: 'postgres', ticks: 99, startTime: 4_600 }], // ends meanwhile: not seen
      [7, { group: 'postgres', ticks: 30, startTime: 4_700 }],
    ]);
    const end = snapshot(11_800, 52_000, 960, 6_000, [
      [1, { group: 'thisProcess', ticks: 1_400, startTime: 4_000 }],
      [2, { group: 'broker', ticks: 1_150, startTime: 100 }],
      [3, { group: 'postgres', ticks: 60, startTime: 200 }],
      [4, { group: 'postgres', ticks: 70, startTime: 4_500 }],
      [6, { group: 'postgres', ticks: 100, startTime: 5_500 }], // started meanwhile: all its time counts
      [7, { group: 'postgres', ticks: 40, startTime: 5_900 }], // pid 7 again, another process: all its time
      [8, { group: 'postgres', ticks: 9_999, startTime: 300 }], // there before, missed by the first read: not counted
    ]);
    const m = machineCpuBetween(start, end);
    expect(m.cores).toBe(2);
    expect(m.busy).toBeCloseTo(1.8, 10);
    expect(m.thisProcess).toBeCloseTo(1.3, 10);
    expect(m.mainThread).toBeCloseTo(0.9, 10);
    expect(m.broker).toBeCloseTo(0.15, 10);
    // 50 + 50 of the two that lived through it, 100 + 40 of the new ones.
    expect(m.postgres).toBeCloseTo(0.24, 10);
  });

  it("gives the share of the time the main thread waited for a core", () => {
    const start = { ...snapshot(0, 0, 0, 0, []), mainThreadWait: { waitedNs: 1_000, atNs: 5_000_000_000n } };
    const end = { ...snapshot(100, 200, 50, 0, []), mainThreadWait: { waitedNs: 300_001_000, atNs: 6_000_000_000n } };
    expect(machineCpuBetween(start, end).mainThreadWaiting).toBeCloseTo(0.3, 10);
    expect(machineCpuBetween(snapshot(0, 0, 0, 0, []), end).mainThreadWaiting).toBeUndefined();
  });

  it('says a group was not found rather than idle', () => {
    const start = snapshot(10, 20, 5, 0, [[1, { group: 'thisProcess', ticks: 5, startTime: 1 }]]);
    const end = snapshot(30, 60, 15, 0, [[1, { group: 'thisProcess', ticks: 15, startTime: 1 }]]);
    expect(machineCpuBetween(start, end)).toEqual({ cores: 2, busy: 1, thisProcess: 0.5, mainThread: 0.5 });
  });

  it('gives zeros, not infinities, when no time passed', () => {
    const s = snapshot(10, 20, 5, 0, [[1, { group: 'thisProcess', ticks: 5, startTime: 1 }]]);
    expect(machineCpuBetween(s, s)).toEqual({ cores: 2, busy: 0, thisProcess: 0, mainThread: 0 });
  });
});

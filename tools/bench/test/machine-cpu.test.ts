import { cpuSnapshot, formatMachineCpu, machineCpuBetween, parseMachineStat, parseProcessStat, startMachineCpu, type CpuSnapshot, type ProcessTicks } from '../src/machine-cpu';

const procStat = (user: number, idle: number, iowait: number) =>
  [`cpu  ${user} 0 100 ${idle} ${iowait} 0 50 0 0 0`, 'cpu0 1 0 1 1 0 0 0 0 0 0', 'cpu1 1 0 1 1 0 0 0 0 0 0', 'intr 1 2 3', 'ctxt 5'].join('\n');

describe('reading /proc', () => {
  it('sums the machine: busy is everything but idle and I/O wait, over its cpuN lines', () => {
    expect(parseMachineStat(procStat(1_000, 5_000, 200))).toEqual({ busy: 1_150, total: 6_350, cores: 2 });
  });

  it('takes user + system jiffies of a process whose name holds spaces and parentheses', () => {
    const stat = '4242 (my (odd) name) S 1 4242 4242 0 -1 4194560 500 0 0 0 123 45 0 0 20 0 12 0 777 0 0';
    expect(parseProcessStat(stat)).toEqual({ comm: 'my (odd) name', ticks: 168 });
  });

  it('finds this process on this machine (Linux), and sees its CPU', () => {
    const before = cpuSnapshot();
    expect(before?.processes.get(process.pid)?.group).toBe('thisProcess');
    const measure = startMachineCpu();
    const until = Date.now() + 300;
    let spin = 0;
    while (Date.now() < until) spin += Math.sqrt(spin + 1);
    const m = measure()!;
    expect(spin).toBeGreaterThan(0);
    expect(m.cores).toBeGreaterThanOrEqual(1);
    expect(m.thisProcess).toBeGreaterThan(0.3);
    expect(m.busy).toBeGreaterThanOrEqual(m.thisProcess - 0.15);
  });
});

describe('cores used between two snapshots', () => {
  const snapshot = (busy: number, total: number, processes: Array<[number, ProcessTicks]>): CpuSnapshot => ({
    machine: { busy, total, cores: 2 },
    processes: new Map(processes),
  });

  it('gives each group its jiffies over the elapsed jiffies of one core', () => {
    // 1,000 jiffies elapsed on each of 2 cores; the machine busy 1,800 of 2,000.
    const start = snapshot(10_000, 50_000, [
      [1, { group: 'thisProcess', ticks: 100 }],
      [2, { group: 'broker', ticks: 1_000 }],
      [3, { group: 'postgres', ticks: 10 }],
      [4, { group: 'postgres', ticks: 20 }],
      [5, { group: 'postgres', ticks: 99 }],
    ]);
    const end = snapshot(11_800, 52_000, [
      [1, { group: 'thisProcess', ticks: 1_400 }],
      [2, { group: 'broker', ticks: 1_150 }],
      [3, { group: 'postgres', ticks: 60 }],
      [4, { group: 'postgres', ticks: 70 }],
      [6, { group: 'postgres', ticks: 100 }], // started meanwhile: all its time counts
    ]);
    const m = machineCpuBetween(start, end);
    expect(m.cores).toBe(2);
    expect(m.busy).toBeCloseTo(1.8, 10);
    expect(m.thisProcess).toBeCloseTo(1.3, 10);
    expect(m.broker).toBeCloseTo(0.15, 10);
    // 50 + 50 of the two that lived through it, 100 of the new one; the one that ended is not seen.
    expect(m.postgres).toBeCloseTo(0.2, 10);
    expect(formatMachineCpu(m)).toBe('the machine: 1.80 of 2 cores busy (this process 1.30, the broker 0.15, PostgreSQL 0.20)');
  });

  it('gives zeros, not infinities, when no time passed', () => {
    const s = snapshot(10, 20, [[1, { group: 'thisProcess', ticks: 5 }]]);
    expect(machineCpuBetween(s, s)).toEqual({ cores: 2, busy: 0, thisProcess: 0, broker: 0, postgres: 0 });
  });
});

import { sleep } from '../src/sleep';

describe('sleep', () => {
  it("waits a wait longer than a timer's longest delay (2^31 - 1 ms) until aborted, where Node fires such a timer after 1 ms (--rate 0.0000001 woke every millisecond with a TimeoutOverflowWarning each time)", async () => {
    const controller = new AbortController();
    let done = false;
    const pending = sleep(2 ** 31 + 1_000, controller.signal).then(() => {
      done = true;
    });
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(done).toBe(false);
    controller.abort();
    await pending;
    expect(done).toBe(true);
  });
});

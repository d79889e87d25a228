// What both subscriber processes of bench/fanout.bench.ts share (subscribers.ts over the `ws` package,
// subscribers-raw.ts over plain sockets): opening the subscribers in waves, noting each CHUNK's arrival on
// the monotonic clock, and the IPC with the bench:
//   -> {ready, count, failed}                        every subscription confirmed (SUBSCRIBED)
//   <- {round: r}  -> {armed: r}                     the next CHUNK each subscriber gets belongs to round r
//   <- {collect: r} -> {round: r, arrivals: number[], cpuMs}
//                                                    arrival times (ms), one per subscriber that got it, and
//                                                    this process' CPU time (user + system) from being armed
//                                                    to the last arrival
//   <- {exit: true}                                  close every socket and exit

const clock = () => Number(process.hrtime.bigint()) / 1e6;

/** Arrival times of the current round. */
export class Arrivals {
  times: number[] = [];
  private waitingFor = Infinity;
  private onAll: (() => void) | undefined;
  /** Subscribers this process holds: the arrival that completes a round stops its CPU clock. */
  expected = Infinity;
  private armedCpu = process.cpuUsage();
  private roundCpu: NodeJS.CpuUsage | undefined;

  /** A subscriber got its CHUNK now. */
  note(): void {
    this.times.push(clock());
    // Read once per round, at its last arrival (getrusage per arrival would be measured as well).
    if (this.times.length === this.expected) this.roundCpu = process.cpuUsage(this.armedCpu);
    if (this.times.length >= this.waitingFor) this.onAll?.();
  }

  reset(): void {
    this.times = [];
    this.waitingFor = Infinity;
    this.roundCpu = undefined;
    this.armedCpu = process.cpuUsage();
  }

  /** This process' CPU milliseconds from reset() to the round's last arrival (or to now, if some never came). */
  cpuMs(): number {
    const used = this.roundCpu ?? process.cpuUsage(this.armedCpu);
    return (used.user + used.system) / 1000;
  }

  /** Resolves once `count` arrived, or after 5 s with what did. */
  all(count: number): Promise<number[]> {
    if (this.times.length >= count) return Promise.resolve(this.times);
    this.waitingFor = count;
    return new Promise((resolve) => {
      const timer = setTimeout(() => resolve(this.times), 5_000);
      this.onAll = () => {
        this.onAll = undefined;
        clearTimeout(timer);
        resolve(this.times);
      };
    });
  }
}

/** Opens `count` subscribers with `open` (in waves: thousands of handshakes at once only measure the accept queue), then serves the bench. */
export async function serveSubscribers(count: number, open: () => Promise<boolean>, arrivals: Arrivals, closeAll: () => void): Promise<void> {
  let ok = 0;
  let failed = 0;
  const WAVE = 250;
  for (let i = 0; i < count; i += WAVE) {
    const results = await Promise.all(Array.from({ length: Math.min(WAVE, count - i) }, open));
    for (const r of results) r ? ok++ : failed++;
  }
  arrivals.expected = ok;
  process.send!({ ready: true, count: ok, failed });
  process.on("message", (m: { round?: number; collect?: number; exit?: boolean }) => {
    if (m.round !== undefined) {
      arrivals.reset();
      process.send!({ armed: m.round });
    } else if (m.collect !== undefined) {
      const round = m.collect;
      void arrivals.all(ok).then((times) => process.send!({ round, arrivals: times, cpuMs: arrivals.cpuMs() }));
    } else if (m.exit) {
      closeAll();
      process.exit(0);
    }
  });
}

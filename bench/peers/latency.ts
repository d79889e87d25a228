// One latency run: starts the tailing consumer (tail.ts) in a child process, waits until it is subscribed,
// paces the producer in this process, then collects the consumer's percentiles.
import { fork } from "node:child_process";
import { fileURLToPath } from "node:url";
import { pacedProduce, type PacedSender, type Percentiles } from "./workload.js";

export interface LatencyResult extends Percentiles {
  /** Why the run was cut short (the system could not keep up with the rate), if it was. */
  overloaded?: string;
  sent: number;
  received: number;
  achievedRate: number;
  /** The producer's send -> acknowledgement latency, where the sender measures it. */
  ack?: Percentiles;
}

export async function latencyRun(
  tail: { system: "redis" | "nats" | "rivulet"; port?: number; url?: string; stream: string },
  sender: () => Promise<PacedSender>,
  rate: number,
  seconds: number,
  warmupSeconds: number,
): Promise<LatencyResult> {
  const capacity = Math.round(rate * (seconds + warmupSeconds)) + 10_000;
  const script = fileURLToPath(new URL("./tail.js", import.meta.url));
  const child = fork(script, [JSON.stringify({ ...tail, capacity })], { stdio: ["ignore", "inherit", "inherit", "ipc"] });
  const exited = new Promise<number | null>((resolve) => child.once("exit", resolve));
  try {
    const messages: unknown[] = [];
    let notify: (() => void) | undefined;
    child.on("message", (m) => {
      messages.push(m);
      notify?.();
    });
    const next = async <T>(key: string): Promise<T> => {
      for (;;) {
        const i = messages.findIndex((m) => typeof m === "object" && m !== null && key in m);
        if (i >= 0) return messages.splice(i, 1)[0] as T;
        const gone = await Promise.race([new Promise<false>((resolve) => (notify = () => resolve(false))), exited.then(() => true)]);
        if (gone && !messages.length) throw new Error(`latency consumer (${tail.system}) exited before '${key}'`);
      }
    };
    await next("ready");
    const paced = await sender();
    const produced = await pacedProduce(paced, rate, seconds, warmupSeconds);
    const ack = produced.overloaded ? undefined : paced.ackLatency?.(produced.measureFrom);
    child.send({ end: { measureFrom: produced.measureFrom, total: produced.sent } });
    const { latency, received } = await next<{ latency: Percentiles; received: number }>("latency");
    await exited;
    return { ...latency, sent: produced.sent, received, achievedRate: produced.achievedRate, overloaded: produced.overloaded, ...(ack ? { ack } : {}) };
  } finally {
    if (child.exitCode === null && child.pid) process.kill(child.pid, "SIGKILL");
  }
}

// The consuming half of the latency workload, in its own process (so the paced producer and the consumer
// do not share an event loop): tails one stream from its end, and for every value computes receive time
// minus the send time stamped in its first 8 bytes. Started with fork() by bench/peers/latency.ts:
//   argv[2]: JSON {system, port | url, stream, capacity}
//   -> {ready: true}            once subscribed at the end of the stream
//   <- {end: {measureFrom, total}} once the producer is done: wait for `total` records (at most 10 s more),
//   -> {latency: Percentiles, received}  over records stamped at or after measureFrom
import { natsTail } from "./nats.js";
import { redisTail } from "./redis.js";
import { wsTail } from "./rivulet.js";
import { percentiles, stampOf, wallMs } from "./workload.js";

interface Spec {
  system: "redis" | "nats" | "rivulet";
  port?: number;
  url?: string;
  stream: string;
  capacity: number;
}
const spec = JSON.parse(process.argv[2]!) as Spec;
const stamps = new Float64Array(spec.capacity);
const delays = new Float64Array(spec.capacity);
let received = 0;
let stopped = false;
let wakeAt = Infinity;
let wake: (() => void) | undefined;

const onValue = (value: Uint8Array) => {
  const t = wallMs();
  if (received < spec.capacity) {
    const sentAt = stampOf(value);
    stamps[received] = sentAt;
    delays[received] = t - sentAt;
  }
  if (++received >= wakeAt) wake?.();
};
const ready = () => process.send!({ ready: true });

let close: () => unknown;
if (spec.system === "redis") close = await redisTail(spec.port!, spec.stream, onValue, () => stopped, ready);
else if (spec.system === "nats") close = await natsTail(spec.port!, spec.stream, onValue, ready);
else close = await wsTail(spec.url!, spec.stream, onValue, ready);

process.on("message", (message: { end?: { measureFrom: number; total: number } }) => {
  if (!message.end) return;
  const { measureFrom, total } = message.end;
  void (async () => {
    if (received < total) {
      wakeAt = total;
      await new Promise<void>((resolve) => {
        wake = resolve;
        setTimeout(resolve, 10_000).unref();
      });
    }
    stopped = true;
    const n = Math.min(received, spec.capacity);
    const measured: number[] = [];
    for (let i = 0; i < n; i++) if (stamps[i]! >= measureFrom) measured.push(delays[i]!);
    process.send!({ latency: percentiles(Float64Array.from(measured)), received }, () => {
      void Promise.resolve(close()).finally(() => process.exit(0));
    });
  })();
});

// One process of idle WebSocket subscribers for bench/fanout.bench.ts: opens `count` connections to the
// broker with the `ws` package (no client library: the least work per message, so this process measures
// the broker, not itself), each subscribing to partition 0 of `topic` from the log end. For each record
// the coordinator announces, every subscriber notes when its CHUNK arrived (monotonic clock, comparable
// with the coordinator's). Started with fork():
//   argv[2]: JSON {url, topic, count}
//   -> {ready, count, failed}                        every subscription confirmed (SUBSCRIBED)
//   <- {round: r}  -> {armed: r}                     the next CHUNK each subscriber gets belongs to round r
//   <- {collect: r} -> {round: r, arrivals: number[]} arrival times (ms), one per subscriber that got it
import WebSocket from "ws";
import type * as WsProtocol from "../../src/protocol/ws/index.js";
import { loadDist } from "../ws/common.js";

const { encodeClientFrame, FrameType, StartKind } = await loadDist<typeof WsProtocol>("dist/protocol/ws/index.js");
const { url, topic, count } = JSON.parse(process.argv[2]!) as { url: string; topic: string; count: number };
const clock = () => Number(process.hrtime.bigint()) / 1e6;

const CREDIT = 1 << 20;
let round = -1;
let arrivals: number[] = [];
let waitingFor = Infinity;
let onAllArrived: (() => void) | undefined;
const sockets: WebSocket[] = [];

function open(): Promise<boolean> {
  return new Promise((resolve) => {
    const ws = new WebSocket(url, { perMessageDeflate: false });
    let subscribed = false;
    ws.binaryType = "nodebuffer";
    ws.on("open", () => {
      const frame = encodeClientFrame({
        type: FrameType.SUBSCRIBE,
        requestId: 1,
        topic,
        credit: CREDIT,
        maxChunkBytes: 64 << 10,
        start: { kind: StartKind.LATEST, value: 0n },
        partitions: [{ partition: 0, start: { kind: StartKind.LATEST, value: 0n } }],
      });
      ws.send(frame);
    });
    ws.on("message", (data: Buffer) => {
      const type = data[0];
      if (type === FrameType.CHUNK) {
        arrivals.push(clock());
        if (arrivals.length >= waitingFor) onAllArrived?.();
      } else if (type === FrameType.SUBSCRIBED && !subscribed) {
        subscribed = true;
        resolve(true);
      } else if (type === FrameType.ERROR) {
        resolve(false);
      }
    });
    ws.on("error", () => resolve(false));
    ws.on("close", () => resolve(false));
    sockets.push(ws);
  });
}

// Open in waves: thousands of simultaneous handshakes only measure the accept queue.
let ok = 0;
let failed = 0;
const WAVE = 250;
for (let i = 0; i < count; i += WAVE) {
  const results = await Promise.all(Array.from({ length: Math.min(WAVE, count - i) }, open));
  for (const r of results) r ? ok++ : failed++;
}
process.send!({ ready: true, count: ok, failed });

process.on("message", (m: { round?: number; collect?: number; exit?: boolean }) => {
  if (m.round !== undefined) {
    round = m.round;
    arrivals = [];
    waitingFor = Infinity;
    process.send!({ armed: round });
  } else if (m.collect !== undefined) {
    const r = m.collect;
    const reply = () => process.send!({ round: r, arrivals });
    if (arrivals.length >= ok) return reply();
    waitingFor = ok;
    const timer = setTimeout(reply, 5_000);
    onAllArrived = () => {
      onAllArrived = undefined;
      clearTimeout(timer);
      reply();
    };
  } else if (m.exit) {
    for (const ws of sockets) ws.terminate();
    process.exit(0);
  }
});

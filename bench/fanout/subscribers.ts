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
import { Arrivals, serveSubscribers } from "./rounds.js";

const { encodeClientFrame, FrameType, StartKind } = await loadDist<typeof WsProtocol>("dist/protocol/ws/index.js");
const { url, topic, count } = JSON.parse(process.argv[2]!) as { url: string; topic: string; count: number };

const CREDIT = 1 << 20;
const arrivals = new Arrivals();
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
        arrivals.note();
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

await serveSubscribers(count, open, arrivals, () => {
  for (const ws of sockets) ws.terminate();
});

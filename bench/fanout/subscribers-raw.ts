// The same idle subscribers as subscribers.ts (same IPC protocol, same SUBSCRIBE), over plain TCP sockets
// with a hand-written WebSocket client instead of the `ws` package: the handshake, one masked frame out, and
// a parser that only finds where each incoming message starts and reads its first byte (the frame type).
// Per message that is a socket 'data' event and a few byte reads, so these processes spend less of the two
// shared cores per record than `ws` does (its Receiver, Buffer concatenation and 'message' events), and more
// of the measured time is the broker's. FANOUT_CLIENT=raw picks it (bench/fanout.bench.ts).
import { randomBytes } from "node:crypto";
import { connect, type Socket } from "node:net";
import type * as WsProtocol from "../../src/protocol/ws/index.js";
import { loadDist } from "../ws/common.js";
import { Arrivals, serveSubscribers } from "./rounds.js";

const { encodeClientFrame, FrameType, StartKind } = await loadDist<typeof WsProtocol>("dist/protocol/ws/index.js");
const { url, topic, count } = JSON.parse(process.argv[2]!) as { url: string; topic: string; count: number };
const target = new URL(url);

const arrivals = new Arrivals();
const sockets: Socket[] = [];

/** A client frame: FIN + binary, masked as RFC 6455 requires of clients. */
function maskedFrame(payload: Uint8Array): Buffer {
  const long = payload.length > 125;
  const head = Buffer.alloc(long ? 8 : 6);
  head[0] = 0x82;
  if (long) {
    head[1] = 0x80 | 126;
    head.writeUInt16BE(payload.length, 2);
  } else head[1] = 0x80 | payload.length;
  const mask = randomBytes(4);
  mask.copy(head, head.length - 4);
  const body = Buffer.from(payload);
  for (let i = 0; i < body.length; i++) body[i]! ^= mask[i & 3]!;
  return Buffer.concat([head, body]);
}

/**
 * Follows the server's frames across 'data' events: `skip` payload bytes of the current frame are still to
 * come; a frame header split between reads waits in `partial`. Calls `onMessage(type)` with the first
 * payload byte of each data frame.
 */
function frameReader(onMessage: (type: number) => void) {
  let skip = 0;
  let partial: Buffer | undefined;
  return (chunk: Buffer) => {
    const data = partial ? Buffer.concat([partial, chunk]) : chunk;
    partial = undefined;
    let at = 0;
    while (at < data.length) {
      if (skip > 0) {
        const n = Math.min(skip, data.length - at);
        skip -= n;
        at += n;
        continue;
      }
      if (data.length - at < 2) break;
      const opcode = data[at]! & 0x0f;
      let length = data[at + 1]! & 0x7f;
      let headLength = 2;
      if (length === 126) headLength = 4;
      else if (length === 127) headLength = 10;
      if (data.length - at < headLength + 1) break; // the head and the type byte must be in one piece
      if (length === 126) length = data.readUInt16BE(at + 2);
      else if (length === 127) length = Number(data.readBigUInt64BE(at + 2));
      // Continuation frames (opcode 0) carry the rest of a message: not a new message.
      if (opcode === 0x2 && length > 0) onMessage(data[at + headLength]!);
      at += headLength;
      skip = length;
    }
    if (at < data.length) partial = Buffer.from(data.subarray(at));
  };
}

function open(): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: target.hostname, port: Number(target.port), noDelay: true });
    sockets.push(socket);
    let subscribed = false;
    let handshake: Buffer | undefined = Buffer.alloc(0);
    const onMessage = (type: number) => {
      if (type === FrameType.CHUNK) {
        arrivals.note();
      } else if (type === FrameType.SUBSCRIBED && !subscribed) {
        subscribed = true;
        resolve(true);
      } else if (type === FrameType.ERROR) resolve(false);
    };
    const frames = frameReader(onMessage);
    socket.on("connect", () => {
      socket.write(
        `GET ${target.pathname}${target.search} HTTP/1.1\r\nHost: ${target.host}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
          `Sec-WebSocket-Key: ${randomBytes(16).toString("base64")}\r\nSec-WebSocket-Version: 13\r\n\r\n`,
      );
    });
    socket.on("data", (chunk: Buffer) => {
      if (handshake === undefined) return frames(chunk);
      handshake = Buffer.concat([handshake, chunk]);
      const end = handshake.indexOf("\r\n\r\n");
      if (end < 0) return;
      if (!handshake.subarray(0, 12).toString().includes(" 101")) return resolve(false);
      const rest = handshake.subarray(end + 4);
      handshake = undefined;
      const start = { kind: StartKind.LATEST, value: 0n };
      socket.write(maskedFrame(encodeClientFrame({ type: FrameType.SUBSCRIBE, requestId: 1, topic, credit: 1 << 20, maxChunkBytes: 64 << 10, start, partitions: [{ partition: 0, start }] })));
      if (rest.length) frames(rest);
    });
    socket.on("error", () => resolve(false));
    socket.on("close", () => resolve(false));
  });
}

await serveSubscribers(count, open, arrivals, () => {
  for (const socket of sockets) socket.destroy();
});

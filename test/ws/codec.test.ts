// The WebSocket protocol codecs alone (sans-IO): every frame type round-trips with edge values, and
// malformed input of any shape is a WsProtocolError, never another exception. (WebSocket messages arrive
// whole, so there is no byte-at-a-time reassembly to test here.)
import { describe, expect, it } from "vitest";
import { decodeClientFrame, decodeServerFrame, encodeClientFrame, encodeServerFrame, FrameType, WsProtocolError, type ClientFrame, type ServerFrame } from "../../src/protocol/ws/index.js";
import { FrameWriter } from "../../src/protocol/ws/bytes.js";
import { randomBytes, randomInt, seededRandom } from "../helpers/random.js";
import { clientEdges, clientSeeds, LONGEST, LONGEST_MULTIBYTE, serverFrames } from "./frames-corpus.js";
import { flip } from "../helpers/flip.js";

// Consumer-group frames (0x30-0x3f, 0xb0-0xbf) have their own codec (group-frames.ts) and tests; the
// fuzzers below still reach them through mutated type bytes.
const isGroupType = (type: number) => (type >= 0x30 && type <= 0x3f) || (type >= 0xb0 && type <= 0xbf);

describe("encode -> decode round trips", () => {
  it("every client frame type, ordinary and edge values (empty and 0xffff-byte strings, u32 max, i64 min/max)", () => {
    const frames = [...clientSeeds(), ...clientEdges()];
    const types = new Set(frames.map((f) => f.type));
    const clientTypes = Object.values(FrameType).filter((t) => t < 0x80 && !isGroupType(t));
    expect([...types].sort()).toEqual([...clientTypes].sort());
    for (const frame of frames) {
      const bytes = encodeClientFrame(frame);
      expect(bytes[0]).toBe(frame.type);
      expect(decodeClientFrame(bytes), `type 0x${frame.type.toString(16)}`).toEqual(frame);
      // Decoding is not fooled by a frame living inside a larger buffer at an odd offset.
      const padded = new Uint8Array(bytes.length + 7);
      padded.set(bytes, 3);
      expect(decodeClientFrame(padded.subarray(3, 3 + bytes.length))).toEqual(frame);
    }
  });

  it("every server frame type, ordinary and edge values", () => {
    const frames = serverFrames();
    const serverTypes = Object.values(FrameType).filter((t) => t >= 0x80 && !isGroupType(t));
    expect([...new Set(frames.map((f) => f.type))].sort()).toEqual([...serverTypes].sort());
    for (const frame of frames) {
      const bytes = encodeServerFrame(frame);
      expect(decodeServerFrame(bytes), `type 0x${frame.type.toString(16)}`).toEqual(frame);
    }
  });

  it("strings are length-prefixed in UTF-8 bytes: 0xffff bytes fit, 0x10000 do not", () => {
    expect(new TextEncoder().encode(LONGEST_MULTIBYTE).length).toBe(0xffff);
    const frame: ClientFrame = { type: FrameType.DESCRIBE_TOPIC, requestId: 1, name: LONGEST_MULTIBYTE };
    expect(encodeClientFrame(frame).length).toBe(5 + 2 + 0xffff);
    expect(() => encodeClientFrame({ type: FrameType.DESCRIBE_TOPIC, requestId: 1, name: LONGEST + "a" })).toThrow(WsProtocolError);
    expect(() => encodeClientFrame({ type: FrameType.DESCRIBE_TOPIC, requestId: 1, name: "€".repeat(21846) })).toThrow(WsProtocolError);
  });

  it("the writer grows correctly whatever field crosses its capacity", () => {
    // Strings and raw bytes that straddle every growth point of a tiny initial buffer.
    for (let capacity = 1; capacity <= 40; capacity++) {
      for (let len = 0; len <= 70; len += 3) {
        const w = new FrameWriter(capacity);
        const s = "x".repeat(len);
        const raw = Uint8Array.from({ length: len }, (_, i) => i);
        w.u8(1).string(s).bytes(raw).raw(raw).i64(-2n);
        const out = w.finish();
        expect(out.length).toBe(1 + 2 + len + 4 + len + len + 8);
        expect(new TextDecoder().decode(out.subarray(3, 3 + len))).toBe(s);
        expect([...out.subarray(3 + len + 4, 3 + len + 4 + len)]).toEqual([...raw]);
        expect(new DataView(out.buffer, out.byteOffset).getBigInt64(out.length - 8)).toBe(-2n);
      }
    }
  });
});

describe("malformed input is a WsProtocolError, never anything else", () => {
  function mutate(random: () => number, bytes: Uint8Array): Uint8Array {
    const out = Uint8Array.from(bytes);
    switch (randomInt(random, 0, 5)) {
      case 0: // flip 1-4 bytes (never the type byte, to stay on the frame's own decoder most of the time)
        for (let n = randomInt(random, 1, 4); n > 0; n--) flip(out, randomInt(random, 1, Math.max(1, out.length - 1)), 1 << randomInt(random, 0, 7));
        return out;
      case 1: // truncate
        return out.subarray(0, randomInt(random, 0, Math.max(0, out.length - 1)));
      case 2: // extend with junk
        return Uint8Array.from([...out, ...randomBytes(random, randomInt(random, 1, 16))]);
      case 3: {
        // a count or length field set large: overwrite 2-4 bytes after the header with 0xff
        const at = randomInt(random, 5, Math.max(5, out.length - 2));
        for (let i = at; i < Math.min(out.length, at + randomInt(random, 2, 4)); i++) out[i] = 0xff;
        return out;
      }
      case 4: // wrong type byte
        out[0] = randomInt(random, 0, 255);
        return out;
      default: // random bytes
        return randomBytes(random, randomInt(random, 0, 64));
    }
  }

  function check(decode: (b: Uint8Array) => ClientFrame | ServerFrame, encode: (f: never) => Uint8Array, bytes: Uint8Array): "ok" | "error" {
    let frame: ClientFrame | ServerFrame;
    try {
      frame = decode(bytes);
    } catch (error) {
      if (!(error instanceof WsProtocolError)) throw new Error(`non-protocol error ${String(error)} for ${Buffer.from(bytes).toString("hex").slice(0, 200)}`);
      return "error";
    }
    // What decodes re-encodes to something that decodes to the same frame.
    expect(decode(encode(frame as never))).toEqual(frame);
    return "ok";
  }

  it("decodeClientFrame: 20,000 mutated and random frames", () => {
    const random = seededRandom(2024);
    const seeds = [...clientSeeds(), ...clientEdges().filter((f) => encodeClientFrame(f).length < 4096)].map(encodeClientFrame);
    const outcomes = { ok: 0, error: 0 };
    for (let i = 0; i < 20_000; i++) outcomes[check(decodeClientFrame, encodeClientFrame as never, mutate(random, seeds[i % seeds.length]!))]++;
    // Both outcomes are well represented: the mutations reach past the first check.
    expect(outcomes.ok).toBeGreaterThan(2000);
    expect(outcomes.error).toBeGreaterThan(5000);
  });

  it("decodeServerFrame: 20,000 mutated and random frames", () => {
    const random = seededRandom(99);
    const seeds = serverFrames().map(encodeServerFrame).filter((b) => b.length < 4096);
    const outcomes = { ok: 0, error: 0 };
    for (let i = 0; i < 20_000; i++) outcomes[check(decodeServerFrame, encodeServerFrame as never, mutate(random, seeds[i % seeds.length]!))]++;
    expect(outcomes.ok).toBeGreaterThan(2000);
    expect(outcomes.error).toBeGreaterThan(5000);
  });

  it("specific malformations: short header, huge counts, bad start kind, bad acks, invalid UTF-8, trailing bytes", () => {
    const bad = (bytes: number[]) => expect(() => decodeClientFrame(Uint8Array.from(bytes)), bytes.join(",")).toThrow(WsProtocolError);
    bad([]);
    bad([FrameType.PING, 0, 0, 0]);
    bad([FrameType.PING, 0, 0, 0, 1, 0]); // trailing
    bad([FrameType.METADATA, 0, 0, 0, 1, 0xff, 0xff]); // 65535 topics in 0 bytes
    bad([FrameType.DESCRIBE_TOPIC, 0, 0, 0, 1, 0, 2, 0xc3, 0x28]); // invalid UTF-8
    bad([FrameType.DESCRIBE_TOPIC, 0, 0, 0, 1, 0, 5, 0x61]); // string runs past the end
    bad([FrameType.PRODUCE, 0, 0, 0, 1, 2, 0, 0, 0, 0, 0, 0]); // acks 2
    bad([FrameType.PRODUCE, 0, 0, 0, 1, 0xfe, 0, 0, 0, 0, 0, 0]); // acks -2
    bad([FrameType.SEEK, 0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 0, 4, 0, 0, 0, 0, 0, 0, 0, 0]); // start kind 4
    const produce = encodeClientFrame({ type: FrameType.PRODUCE, requestId: 1, acks: 1, timeoutMs: 0, items: [{ topic: "t", partition: 0, batch: new Uint8Array(10) }] });
    const lying = Uint8Array.from(produce);
    new DataView(lying.buffer).setUint32(lying.length - 14, 0xfffffff0); // batch length past the end
    expect(() => decodeClientFrame(lying)).toThrow(WsProtocolError);
    expect(() => decodeServerFrame(Uint8Array.from([FrameType.PING, 0, 0, 0, 0]))).toThrow(WsProtocolError); // a client type
    expect(() => decodeClientFrame(Uint8Array.from([FrameType.PONG, 0, 0, 0, 0]))).toThrow(WsProtocolError); // a server type
  });
});

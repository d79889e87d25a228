// Framing and headers: the frame decoder gives the same frames whatever the chunking (one byte at a
// time, random splits, many frames per chunk), refuses negative and oversized size prefixes, and the
// request/response header flavours have the documented layouts.

import { describe, expect, it } from "vitest";
import {
  FrameDecoder,
  KafkaDecodeError,
  Reader,
  Writer,
  concat,
  frameDecoder,
  frameEncode,
  readRequestHeader,
  readResponseHeader,
  writeRequestHeader,
  writeResponseHeader,
  type RequestHeader,
} from "../../../src/protocol/kafka/index.js";
import { seededRandom } from "../../helpers/random.js";
import { toHex } from "./fixtures.js";

function payloads(rand: () => number, count: number): Uint8Array[] {
  return Array.from({ length: count }, (_, i) => {
    const size = i % 7 === 0 ? 0 : Math.floor(rand() * (i % 5 === 0 ? 5000 : 40));
    return Uint8Array.from({ length: size }, () => Math.floor(rand() * 256));
  });
}

function feed(decoder: FrameDecoder, stream: Uint8Array, cuts: number[]): Uint8Array[] {
  const out: Uint8Array[] = [];
  let at = 0;
  for (const cut of [...cuts, stream.length]) {
    out.push(...decoder.push(stream.subarray(at, cut)));
    at = cut;
  }
  return out;
}

describe("frameDecoder", () => {
  const rand = seededRandom(0x5eed);
  const frames = payloads(rand, 60);
  const stream = concat(frames.map((f) => frameEncode(f)));

  it("returns every frame when the whole stream arrives at once", () => {
    const out = frameDecoder().push(stream);
    expect(out.map(toHex)).toEqual(frames.map(toHex));
  });

  it("reassembles frames fed one byte at a time", () => {
    const d = frameDecoder();
    const out: Uint8Array[] = [];
    for (let i = 0; i < stream.length; i++) out.push(...d.push(stream.subarray(i, i + 1)));
    expect(out.map(toHex)).toEqual(frames.map(toHex));
    expect(d.buffered).toBe(0);
  });

  it("reassembles frames from random chunkings, with splits inside size prefixes and bodies", () => {
    for (let round = 0; round < 50; round++) {
      const cuts = Array.from({ length: 1 + Math.floor(rand() * 80) }, () => Math.floor(rand() * stream.length)).sort((a, b) => a - b);
      const out = feed(frameDecoder(), stream, cuts);
      expect(out.map(toHex)).toEqual(frames.map(toHex));
    }
  });

  it("holds a partial frame and reports how much it buffers", () => {
    const d = frameDecoder();
    const f = frameEncode(Uint8Array.of(1, 2, 3, 4, 5));
    expect(d.push(f.subarray(0, 2))).toEqual([]);
    expect(d.buffered).toBe(2);
    expect(d.push(f.subarray(2, 6))).toEqual([]);
    expect(d.buffered).toBe(6);
    expect(d.push(f.subarray(6)).map(toHex)).toEqual(["0102030405"]);
    expect(d.buffered).toBe(0);
  });

  it("holds only the bytes received when a prefix claims a large frame", () => {
    const d = frameDecoder();
    d.push(Uint8Array.of(0x05, 0xff, 0xff, 0xff, 1)); // claims ~100 MB, sends one byte
    expect(d.buffered).toBe(5);
  });

  it("returns a frame inside one chunk as a view, not a copy", () => {
    const chunk = frameEncode(Uint8Array.of(9, 9, 9));
    const [frame] = frameDecoder().push(chunk);
    expect(frame!.buffer).toBe(chunk.buffer);
  });

  it("rejects a negative size prefix", () => {
    const d = frameDecoder();
    const e = (() => {
      try {
        d.push(Uint8Array.of(0, 0, 0, 1, 7, 0xff, 0xff, 0xff, 0xfe));
      } catch (err) {
        return err as KafkaDecodeError;
      }
    })();
    expect(e).toBeInstanceOf(KafkaDecodeError);
    expect(e!.reason).toBe("NEGATIVE_FRAME_SIZE");
    expect(e!.offset).toBe(5);
    expect(() => d.push(Uint8Array.of(0))).toThrow(KafkaDecodeError); // the stream stays failed
  });

  it("rejects a size prefix above the maximum, split or not", () => {
    const big = Uint8Array.of(0x06, 0x40, 0x00, 0x01); // 100 MiB + 1
    expect(() => frameDecoder().push(big)).toThrow(/exceeds the maximum of 104857600/);
    const d = frameDecoder({ maxFrameSize: 1000 });
    d.push(Uint8Array.of(0, 0));
    expect(() => d.push(Uint8Array.of(0x03, 0xe9))).toThrow(KafkaDecodeError);
    expect(frameDecoder({ maxFrameSize: 1000 }).push(concat([Uint8Array.of(0, 0, 3, 0xe8), new Uint8Array(1000)]))).toHaveLength(1);
  });

  it("frameEncode prepends the size to one buffer, or as a separate part", () => {
    expect(toHex(frameEncode(Uint8Array.of(0xaa, 0xbb)))).toBe("00000002aabb");
    const parts = [Uint8Array.of(1), Uint8Array.of(2, 3)];
    const framed = frameEncode(parts);
    expect(framed).toHaveLength(3);
    expect(framed[1]).toBe(parts[0]);
    expect(toHex(concat(framed))).toBe("00000003010203");
  });
});

describe("request header", () => {
  const h: RequestHeader = { apiKey: 18, apiVersion: 3, correlationId: 7, clientId: "c" };
  const bytesOf = (v: 0 | 1 | 2, header = h) => {
    const w = new Writer();
    writeRequestHeader(w, v, header);
    return w.toBytes();
  };

  it("v0 is key, version, correlation id", () => {
    expect(toHex(bytesOf(0))).toBe("0012000300000007");
    expect(readRequestHeader(new Reader(bytesOf(0)), 0)).toEqual({ ...h, clientId: null });
  });

  it("v1 adds a nullable (non-compact) client id", () => {
    expect(toHex(bytesOf(1))).toBe("0012000300000007000163");
    expect(toHex(bytesOf(1, { ...h, clientId: null }))).toBe("0012000300000007ffff");
    expect(readRequestHeader(new Reader(bytesOf(1)), 1)).toEqual(h);
  });

  it("v2 keeps the client id non-compact and adds tagged fields", () => {
    expect(toHex(bytesOf(2))).toBe("001200030000000700016300");
    const withTags = Uint8Array.from([...bytesOf(1), 1, 0, 2, 0xaa, 0xbb, 0x99]);
    const r = new Reader(withTags);
    expect(readRequestHeader(r, () => 2)).toEqual(h);
    expect(r.int8()).toBe(-103); // 0x99: the body starts right after the tags
  });

  it("picks the header version from key and version when given a function", () => {
    const seen: number[][] = [];
    readRequestHeader(new Reader(bytesOf(1)), (k, v) => (seen.push([k, v]), 1));
    expect(seen).toEqual([[18, 3]]);
  });
});

describe("response header", () => {
  it("v0 is the correlation id; v1 adds tagged fields", () => {
    const w = new Writer();
    writeResponseHeader(w, 0, 5);
    writeResponseHeader(w, 1, 6);
    const b = w.toBytes();
    expect(toHex(b)).toBe("00000005" + "0000000600");
    const r = new Reader(b);
    expect(readResponseHeader(r, 0)).toEqual({ correlationId: 5 });
    expect(readResponseHeader(r, 1)).toEqual({ correlationId: 6 });
    expect(r.remaining).toBe(0);
  });
});

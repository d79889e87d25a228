// A light, seeded fuzz: mutated and random inputs into every decoder must either decode or throw
// KafkaDecodeError (frames may also be refused with UnsupportedVersionError) — never a RangeError,
// TypeError or a hang. Seeds are the golden fixtures and the samples at every version.

import { describe, expect, it } from "vitest";
import {
  KafkaDecodeError,
  Reader,
  UnsupportedVersionError,
  Writer,
  decodeRequestFrame,
  frameDecoder,
  registrations,
  requestHeaderVersion,
  readRequestHeader,
} from "../../../src/protocol/kafka/index.js";
import { randomBytes, randomInt, seededRandom } from "../../helpers/random.js";
import { loadFrames } from "./fixtures.js";
import { samples } from "./samples.js";

/* eslint-disable @typescript-eslint/no-explicit-any */
const MUTATIONS_PER_SEED = 150;
const rand = seededRandom(0xf022);
const interesting = [-1, -2, 0, 1, 0x7f, 0x80, 0xff, 0x7fff, -32768, 0x7fffffff, -2147483648, 1 << 20];

function mutate(seed: Uint8Array): Uint8Array {
  const b = Uint8Array.from(seed);
  switch (randomInt(rand, 0, 5)) {
    case 0: // flip a few bits
      for (let i = randomInt(rand, 1, 4); i > 0 && b.length > 0; i--) b[randomInt(rand, 0, b.length - 1)]! ^= 1 << randomInt(rand, 0, 7);
      return b;
    case 1: // truncate
      return b.subarray(0, randomInt(rand, 0, b.length));
    case 2: { // plant an interesting int16/int32 (lengths, counts)
      if (b.length < 4) return b;
      const at = randomInt(rand, 0, b.length - 4);
      const v = interesting[randomInt(rand, 0, interesting.length - 1)]!;
      const view = new DataView(b.buffer);
      if (rand() < 0.5) view.setInt16(at, v);
      else view.setInt32(at, v);
      return b;
    }
    case 3: { // insert random bytes
      const at = randomInt(rand, 0, b.length);
      return Uint8Array.from([...b.subarray(0, at), ...randomBytes(rand, randomInt(rand, 1, 8)), ...b.subarray(at)]);
    }
    case 4: // append junk
      return Uint8Array.from([...b, ...randomBytes(rand, randomInt(rand, 1, 16))]);
    default: // pure noise
      return randomBytes(rand, randomInt(rand, 0, 64));
  }
}

function bodiesOf(frames: ReturnType<typeof loadFrames>, key: number, version: number, direction: string): Uint8Array[] {
  return frames
    .filter((f) => f.apiKey === key && f.version === version && f.direction === direction)
    .map((f) => {
      const r = new Reader(f.bytes.subarray(4));
      if (direction === "request") readRequestHeader(r, requestHeaderVersion);
      else r.int32(); // response header v0 (every response in our profile)
      return f.bytes.subarray(4 + r.offset);
    });
}

const golden = [...loadFrames("kafkajs"), ...loadFrames("tansu")];

describe("decoders fail only with KafkaDecodeError", () => {
  for (const reg of registrations) {
    const codec = reg.codec as any;
    it(`${reg.name} v${reg.implementedFrom}-${reg.maxVersion}`, () => {
      const unexpected: string[] = [];
      let attempts = 0;
      for (let v = reg.implementedFrom; v <= reg.maxVersion; v++) {
        for (const direction of ["request", "response"] as const) {
          const w = new Writer();
          codec[direction === "request" ? "encodeRequest" : "encodeResponse"](w, v, (samples as any)[reg.key][direction]);
          const seeds = [w.toBytes(), ...bodiesOf(golden, reg.key, v, direction)];
          const decode = direction === "request" ? codec.decodeRequest : codec.decodeResponse;
          for (const seed of seeds) {
            for (let i = 0; i < MUTATIONS_PER_SEED; i++) {
              const input = mutate(seed);
              attempts++;
              try {
                decode(new Reader(input), v);
              } catch (e) {
                if (!(e instanceof KafkaDecodeError)) unexpected.push(`${direction} v${v}: ${String(e)}`);
              }
            }
          }
        }
      }
      expect(unexpected).toEqual([]);
      expect(attempts).toBeGreaterThan(0);
    });
  }
});

describe("whole frames fail only with KafkaDecodeError or UnsupportedVersionError", () => {
  it("mutated golden request frames through the frame decoder and decodeRequestFrame", () => {
    const unexpected: string[] = [];
    for (const f of golden.filter((f) => f.direction === "request")) {
      for (let i = 0; i < 40; i++) {
        const input = mutate(f.bytes);
        try {
          for (const frame of frameDecoder({ maxFrameSize: 1 << 20 }).push(input)) decodeRequestFrame(frame);
        } catch (e) {
          if (!(e instanceof KafkaDecodeError) && !(e instanceof UnsupportedVersionError)) unexpected.push(`${f.name}: ${String(e)}`);
        }
      }
    }
    expect(unexpected).toEqual([]);
  });
});

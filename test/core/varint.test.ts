import { describe, expect, it } from "vitest";
import {
  CorruptRecordError,
  decodeUvarints,
  decodeVarints,
  decodeVarlongs,
  encodeUvarints,
  encodeVarints,
  encodeVarlongs,
  uvarintSize,
  varintSize,
  varlongSize,
} from "../../src/core/index.js";
import { refDecodeVarints, refEncodeUvarint, refEncodeVarint, refEncodeVarlong } from "../reference/varint-ref.js";
import { seededRandom } from "../helpers/random.js";

const hex = (bytes: Uint8Array | number[]) => Buffer.from(bytes as Uint8Array).toString("hex");

// Every 7-bit boundary of the zigzag domain, both signs, and the type limits.
function int32Edges(): number[] {
  const values = [0, 1, -1, 2, -2, 63, -64, 64, -65, 2 ** 31 - 1, -(2 ** 31)];
  for (let bits = 7; bits < 32; bits += 7) {
    const z = 2 ** bits; // zigzag value where the encoding gains a byte
    for (const u of [z - 1, z, z + 1]) {
      values.push(u % 2 === 0 ? u / 2 : -(u + 1) / 2);
    }
  }
  return values.filter((v) => v >= -(2 ** 31) && v < 2 ** 31);
}

function int64Edges(): bigint[] {
  const values = [0n, 1n, -1n, 2n, -2n, 2n ** 31n, -(2n ** 31n), 2n ** 63n - 1n, -(2n ** 63n)];
  for (let bits = 7n; bits < 64n; bits += 7n) {
    for (const u of [2n ** bits - 1n, 2n ** bits, 2n ** bits + 1n]) values.push(u % 2n === 0n ? u / 2n : -(u + 1n) / 2n);
  }
  return values;
}

describe("zigzag varint (int32)", () => {
  it("encodes Kafka's known answers", () => {
    expect(hex(encodeVarints(Int32Array.of(0)))).toBe("00");
    expect(hex(encodeVarints(Int32Array.of(-1)))).toBe("01");
    expect(hex(encodeVarints(Int32Array.of(1)))).toBe("02");
    expect(hex(encodeVarints(Int32Array.of(-64)))).toBe("7f");
    expect(hex(encodeVarints(Int32Array.of(64)))).toBe("8001");
    expect(hex(encodeVarints(Int32Array.of(2 ** 31 - 1)))).toBe("feffffff0f");
    expect(hex(encodeVarints(Int32Array.of(-(2 ** 31))))).toBe("ffffffff0f");
  });

  it("round-trips every 7-bit boundary and matches the reference and the size helper", () => {
    const values = Int32Array.from(int32Edges());
    const encoded = encodeVarints(values);
    const reference: number[] = [];
    for (const v of values) refEncodeVarint(v, reference);
    expect(hex(encoded)).toBe(hex(reference));
    expect([...decodeVarints(encoded)]).toEqual([...values]);
    for (const v of values) {
      const one: number[] = [];
      refEncodeVarint(v, one);
      expect(varintSize(v), String(v)).toBe(one.length);
    }
  });

  it("agrees with the reference on 100,000 random values", () => {
    const random = seededRandom(1);
    const values = Int32Array.from({ length: 100_000 }, () => (random() * 2 ** 32) | 0);
    const encoded = encodeVarints(values);
    expect(refDecodeVarints(encoded)).toEqual([...values]);
    expect([...decodeVarints(encoded)]).toEqual([...values]);
  });

  it("rejects an overlong varint and a truncated one with typed errors, then keeps working", () => {
    const overlong = Uint8Array.of(0xff, 0xff, 0xff, 0xff, 0x1f);
    expect(() => decodeVarints(overlong)).toThrow(CorruptRecordError);
    try {
      decodeVarints(Uint8Array.of(0x80, 0x80));
    } catch (error) {
      expect((error as CorruptRecordError).reason).toBe("TRUNCATED");
    }
    expect(() => decodeVarints(Uint8Array.of(0x80, 0x80))).toThrow(CorruptRecordError);
    expect([...decodeVarints(Uint8Array.of(0x02))]).toEqual([1]);
  });
});

describe("zigzag varlong (int64)", () => {
  it("round-trips every 7-bit boundary and the int64 limits, matching the reference", () => {
    const values = BigInt64Array.from(int64Edges());
    const encoded = encodeVarlongs(values);
    const reference: number[] = [];
    for (const v of values) refEncodeVarlong(v, reference);
    expect(hex(encoded)).toBe(hex(reference));
    expect([...decodeVarlongs(encoded)]).toEqual([...values]);
    for (const v of values) {
      const one: number[] = [];
      refEncodeVarlong(v, one);
      expect(varlongSize(v), String(v)).toBe(one.length);
    }
    expect(hex(encodeVarlongs(BigInt64Array.of(-(2n ** 63n))))).toBe("ffffffffffffffffff01");
  });

  it("rejects an 11-byte varlong", () => {
    const bad = Uint8Array.of(0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x03);
    expect(() => decodeVarlongs(bad)).toThrow(CorruptRecordError);
  });
});

describe("unsigned varint", () => {
  it("round-trips 0, 2^32-1 and every 7-bit boundary", () => {
    const values: number[] = [0, 1, 2 ** 32 - 1];
    for (let bits = 7; bits < 32; bits += 7) values.push(2 ** bits - 1, 2 ** bits, 2 ** bits + 1);
    const encoded = encodeUvarints(Uint32Array.from(values));
    const reference: number[] = [];
    for (const v of values) refEncodeUvarint(v, reference);
    expect(hex(encoded)).toBe(hex(reference));
    expect([...decodeUvarints(encoded)]).toEqual(values);
    for (const v of values) {
      const one: number[] = [];
      refEncodeUvarint(v, one);
      expect(uvarintSize(v)).toBe(one.length);
    }
  });
});

// Reader and Writer: every primitive round-trips, varints at their boundaries match Kafka's byte
// layouts, and every kind of truncated or malformed input is a KafkaDecodeError.

import { describe, expect, it } from "vitest";
import { KafkaDecodeError, Reader, Writer } from "../../../src/protocol/kafka/index.js";
import { toHex } from "./fixtures.js";

const written = (fill: (w: Writer) => void, options?: ConstructorParameters<typeof Writer>[0]) => {
  const w = new Writer(options);
  fill(w);
  return w.toBytes();
};
const reader = (bytes: Uint8Array | number[]) => new Reader(bytes instanceof Uint8Array ? bytes : Uint8Array.from(bytes));

function decodeError(fn: () => unknown): KafkaDecodeError {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(KafkaDecodeError);
    return e as KafkaDecodeError;
  }
  throw new Error("expected a KafkaDecodeError");
}

describe("fixed-width integers", () => {
  it("are big-endian and round-trip at their extremes", () => {
    const b = written((w) => w.int8(-128).int8(127).int16(-32768).int16(0x1234).int32(-2147483648).int32(0x01020304).uint32(0xfffffffe));
    expect(toHex(b)).toBe("807f8000123480000000010203" + "04fffffffe");
    const r = reader(b);
    expect([r.int8(), r.int8(), r.int16(), r.int16(), r.int32(), r.int32(), r.uint32()]).toEqual([
      -128, 127, -32768, 0x1234, -2147483648, 0x01020304, 0xfffffffe,
    ]);
    expect(r.remaining).toBe(0);
  });

  it("int64 keeps full precision as bigint", () => {
    const values = [0n, -1n, 2n ** 63n - 1n, -(2n ** 63n), 9007199254740993n];
    const b = written((w) => values.forEach((v) => w.int64(v)));
    expect(toHex(b.subarray(0, 16))).toBe("0000000000000000ffffffffffffffff");
    const r = reader(b);
    expect(values.map(() => r.int64())).toEqual(values);
  });

  it("bool is one byte, any non-zero reads true", () => {
    expect(toHex(written((w) => w.bool(true).bool(false)))).toBe("0100");
    expect(reader([2]).bool()).toBe(true);
  });
});

describe("varints", () => {
  // Every 7-bit boundary plus the extremes (STYLE.md practice 4).
  const int32Cases: number[] = [0, 1, -1, 2, -2, 63, -64, 64, -65, 2 ** 31 - 1, -(2 ** 31)];
  for (let bits = 7; bits <= 28; bits += 7) int32Cases.push(2 ** (bits - 1) - 1, 2 ** (bits - 1), -(2 ** (bits - 1)), -(2 ** (bits - 1)) - 1);

  it("zigzag varint round-trips at every 7-bit boundary", () => {
    for (const v of int32Cases) expect(reader(written((w) => w.varint(v))).varint()).toBe(v);
  });

  it("zigzag matches Kafka's encoding", () => {
    expect(toHex(written((w) => w.varint(0).varint(-1).varint(1).varint(-2).varint(-64).varint(63).varint(64)))).toBe("000102037f7e" + "8001");
    expect(toHex(written((w) => w.varint(2 ** 31 - 1)))).toBe("feffffff0f");
    expect(toHex(written((w) => w.varint(-(2 ** 31))))).toBe("ffffffff0f");
  });

  it("unsigned varint is not zigzagged and covers uint32", () => {
    expect(toHex(written((w) => w.uvarint(0).uvarint(127).uvarint(128).uvarint(300)))).toBe("007f8001ac02");
    for (const v of [0, 1, 127, 128, 16383, 16384, 2097151, 2097152, 268435455, 268435456, 2 ** 32 - 1]) {
      const b = written((w) => w.uvarint(v));
      expect(reader(b).uvarint()).toBe(v);
    }
  });

  it("zigzag varlong round-trips at ±2^63 and every 7-bit boundary", () => {
    const cases: bigint[] = [0n, 1n, -1n, 2n ** 63n - 1n, -(2n ** 63n), 2n ** 31n, -(2n ** 31n) - 1n];
    for (let bits = 7n; bits <= 63n; bits += 7n) cases.push(2n ** (bits - 1n) - 1n, 2n ** (bits - 1n), -(2n ** (bits - 1n)));
    for (const v of cases) expect(reader(written((w) => w.varlong(v))).varlong()).toBe(v);
    expect(written((w) => w.varlong(-(2n ** 63n))).length).toBe(10);
    expect(toHex(written((w) => w.varlong(-(2n ** 63n))))).toBe("ffffffffffffffffff01");
  });

  it("an over-long varint is rejected, not wrapped", () => {
    expect(decodeError(() => reader([0x80, 0x80, 0x80, 0x80, 0x80, 0x01]).uvarint()).reason).toBe("VARINT_TOO_LONG");
    expect(decodeError(() => reader([0xff, 0xff, 0xff, 0xff, 0x1f]).uvarint()).reason).toBe("VARINT_TOO_LONG");
    expect(decodeError(() => reader(new Array(10).fill(0xff).concat([1])).varlong()).reason).toBe("VARINT_TOO_LONG");
    expect(decodeError(() => reader([0x80, 0x80]).uvarint()).reason).toBe("TRUNCATED");
  });
});

describe("strings and bytes", () => {
  it("string is int16 length + UTF-8; nullable -1 is null", () => {
    expect(toHex(written((w) => w.string("ab").nullableString(null).string("")))).toBe("00026162ffff0000");
    const r = reader(written((w) => w.string("héllo ✓ 😀").nullableString(null).nullableString("x")));
    expect([r.string(), r.nullableString(), r.nullableString()]).toEqual(["héllo ✓ 😀", null, "x"]);
  });

  it("long and non-ASCII strings take the TextEncoder path and keep their byte length", () => {
    const s = "ü".repeat(40) + "a".repeat(100);
    const b = written((w) => w.string(s));
    expect(new DataView(b.buffer, b.byteOffset).getInt16(0)).toBe(180);
    expect(reader(b).string()).toBe(s);
  });

  it("a string over 32767 bytes cannot be written", () => {
    expect(() => written((w) => w.string("x".repeat(32768)))).toThrow(/32767/);
  });

  it("compact variants use uvarint(len+1), 0 = null", () => {
    expect(toHex(written((w) => w.compactString("ab").compactNullableString(null).compactBytes(Uint8Array.of(9))))).toBe("0361620002" + "09");
    const r = reader(written((w) => w.compactString("ü").compactNullableString(null).compactNullableBytes(null).compactBytes(Uint8Array.of(1, 2))));
    expect([r.compactString(), r.compactNullableString(), r.compactNullableBytes(), [...r.compactBytes()]]).toEqual(["ü", null, null, [1, 2]]);
  });

  it("bytes are int32 length; reads are views into the input", () => {
    const b = written((w) => w.bytes(Uint8Array.of(1, 2, 3)).nullableBytes(null));
    expect(toHex(b)).toBe("00000003010203ffffffff");
    const r = reader(b);
    const view = r.bytes();
    expect([...view]).toEqual([1, 2, 3]);
    expect(view.buffer).toBe(b.buffer);
    expect(r.nullableBytes()).toBeNull();
  });

  it("null where not allowed, lengths below -1 and overruns are typed errors", () => {
    expect(decodeError(() => reader([0xff, 0xff]).string()).reason).toBe("INVALID_LENGTH");
    expect(decodeError(() => reader([0xff, 0xfe]).nullableString()).reason).toBe("INVALID_LENGTH");
    expect(decodeError(() => reader([0, 5, 0x61]).string()).reason).toBe("TRUNCATED");
    expect(decodeError(() => reader([0xff, 0xff, 0xff, 0xff]).bytes()).reason).toBe("INVALID_LENGTH");
    expect(decodeError(() => reader([0, 0, 0, 9, 1]).nullableBytes()).reason).toBe("TRUNCATED");
    expect(decodeError(() => reader([0]).compactString()).reason).toBe("INVALID_LENGTH");
    expect(decodeError(() => reader([5, 1]).compactBytes()).reason).toBe("TRUNCATED");
  });

  it("uuid is 16 raw bytes", () => {
    const id = Uint8Array.from({ length: 16 }, (_, i) => i * 3);
    expect([...reader(written((w) => w.uuid(id))).uuid()]).toEqual([...id]);
    expect(() => written((w) => w.uuid(new Uint8Array(15)))).toThrow();
  });
});

describe("arrays", () => {
  it("array, nullable and compact forms round-trip", () => {
    const b = written((w) =>
      w
        .array([1, 2], (w, x) => w.int32(x))
        .nullableArray(null, (w, x: number) => w.int32(x))
        .compactArray(["a"], (w, s) => w.compactString(s))
        .compactNullableArray(null, (w, x: number) => w.int8(x)),
    );
    expect(toHex(b)).toBe("000000020000000100000002ffffffff" + "020261" + "00");
    const r = reader(b);
    expect(r.array((r) => r.int32())).toEqual([1, 2]);
    expect(r.nullableArray((r) => r.int32())).toBeNull();
    expect(r.compactArray((r) => r.compactString())).toEqual(["a"]);
    expect(r.compactNullableArray((r) => r.int8())).toBeNull();
  });

  it("a count larger than the bytes left is rejected before allocating", () => {
    const e = decodeError(() => reader([0x7f, 0xff, 0xff, 0xff, 0, 0]).array((r) => r.int8()));
    expect(e.reason).toBe("TRUNCATED");
    expect(e.offset).toBe(0);
    expect(decodeError(() => reader([0xff, 0xff, 0xff, 0xff]).array((r) => r.int8())).reason).toBe("INVALID_LENGTH");
    expect(decodeError(() => reader([0xff, 0xff, 0xff, 0xfe]).nullableArray((r) => r.int8())).reason).toBe("INVALID_LENGTH");
  });
});

describe("tagged fields", () => {
  it("unknown tags are skipped; known ones are handed a bounded reader", () => {
    // count 2: tag 0 size 2 [aa bb], tag 5 size 1 [07]; then an int8 after the section.
    const r = reader([2, 0, 2, 0xaa, 0xbb, 5, 1, 7, 0x42]);
    const seen: [number, number][] = [];
    r.taggedFields((tag, f) => seen.push([tag, f.remaining]));
    expect(seen).toEqual([[0, 2], [5, 1]]);
    expect(r.int8()).toBe(0x42);
    expect(toHex(written((w) => w.emptyTaggedFields()))).toBe("00");
  });

  it("a tagged field running past the end is a decode error", () => {
    expect(decodeError(() => reader([1, 0, 9, 1]).taggedFields()).reason).toBe("TRUNCATED");
  });
});

describe("truncation", () => {
  it("every fixed-width read reports what, where and how much", () => {
    const e = decodeError(() => reader([1, 2, 3]).int32());
    expect(e.reason).toBe("TRUNCATED");
    expect(e.offset).toBe(0);
    expect(e.message).toMatch(/int32 at byte 0: need 4, have 3/);
    expect(e.code).toBe("INVALID_REQUEST");
    expect(e.kafkaCode).toBe(42);
    for (const read of [(r: Reader) => r.int8(), (r: Reader) => r.int16(), (r: Reader) => r.int64(), (r: Reader) => r.uuid()]) {
      expect(decodeError(() => read(reader([]))).reason).toBe("TRUNCATED");
    }
  });

  it("a reader window cannot reach past its bounds", () => {
    const bytes = Uint8Array.of(0, 0, 0, 1, 0, 0, 0, 2);
    const r = new Reader(bytes, 4, 6);
    expect(decodeError(() => r.int32()).reason).toBe("TRUNCATED");
    expect(() => new Reader(bytes, 0, 9)).toThrow(RangeError);
  });
});

describe("Writer buffers", () => {
  it("grows from a tiny initial capacity without losing bytes", () => {
    const w = new Writer({ initialCapacity: 1 });
    for (let i = 0; i < 10000; i++) w.int32(i);
    const r = reader(w.toBytes());
    for (let i = 0; i < 10000; i++) expect(r.int32()).toBe(i);
  });

  it("references large external chunks instead of copying them, and copies small ones", () => {
    const big = new Uint8Array(4096).fill(7);
    const small = Uint8Array.of(1, 2, 3);
    const w = new Writer({ externalMin: 1024 });
    w.int16(1).records([big, small, big]).int16(2);
    const parts = w.finish();
    expect(parts.filter((p) => p === big)).toHaveLength(2);
    expect(parts).toHaveLength(5); // [int16+len], big, [small], big, [int16]
    const r = reader(Uint8Array.from(parts.flatMap((p) => [...p])));
    expect(r.int16()).toBe(1);
    expect(r.nullableBytes()!.length).toBe(4096 * 2 + 3);
    expect(r.int16()).toBe(2);
  });

  it("patches a placeholder even after the scratch buffer was split into parts", () => {
    const chunk = new Uint8Array(2000).fill(1);
    const w = new Writer({ initialCapacity: 16 });
    const at = w.placeholderInt32();
    w.external(chunk);
    for (let i = 0; i < 100; i++) w.int64(BigInt(i)); // forces growth after the split
    w.patchInt32(at, w.length - 4);
    const out = w.toBytes();
    expect(new DataView(out.buffer, out.byteOffset).getInt32(0)).toBe(2000 + 800);
    expect(out.length).toBe(4 + 2000 + 800);
  });

  it("records accepts one buffer, chunks or null", () => {
    expect(toHex(written((w) => w.records(null)))).toBe("ffffffff");
    expect(toHex(written((w) => w.records(Uint8Array.of(5))))).toBe("0000000105");
    expect(toHex(written((w) => w.records([Uint8Array.of(5), Uint8Array.of(6, 7)])))).toBe("00000003050607");
    expect(toHex(written((w) => w.records([])))).toBe("00000000");
  });
});

// The pieces behind `rivulet produce`'s kcat flags, without a broker: short flags in the parser, kcat's
// delimiter escapes, -H parsing, how a raw record becomes key/value/headers/timestamp, and -D splitting of
// a stream whose delimiter straddles chunks.
import { Readable } from "node:stream";
import { describe, expect, it } from "vitest";
import { parseArgs } from "../../src/cli/args.js";
import { readDelimited } from "../../src/cli/lines.js";
import { parseDelimiter, parseHeader, parseTimestamp, shapeRecord } from "../../src/cli/produce-input.js";

const specs = {
  header: { kind: "string", short: "H", multiple: true, description: "" },
  key: { kind: "string", short: "k", description: "" },
  tombstone: { kind: "boolean", short: "Z", description: "" },
  compression: { kind: "string", short: "z", description: "", default: "none", choices: ["none", "gzip"] },
} as const;

async function split(chunks: string[], delimiter: string): Promise<string[]> {
  const out: string[] = [];
  for await (const records of readDelimited(Readable.from(chunks.map((c) => Buffer.from(c))), Buffer.from(delimiter))) out.push(...records.map((r) => r.toString()));
  return out;
}

describe("short flags", () => {
  it("takes -X value, -Xvalue, repeated -H and boolean -Z, and refuses what it does not know", () => {
    const parsed = parseArgs(["-H", "a=1", "-Hb=2", "-kK", "-Z", "-z", "gzip", "topic"], specs, {});
    expect(parsed.flags).toEqual({ header: ["a=1", "b=2"], key: "K", tombstone: true, compression: "gzip" });
    expect(parsed.positionals).toEqual(["topic"]);
    expect(() => parseArgs(["-q"], specs, {})).toThrow(/unknown flag -q/);
    expect(() => parseArgs(["-H"], specs, {})).toThrow(/-H needs a value/);
    expect(() => parseArgs(["-Zx"], specs, {})).toThrow(/-Z takes no value/);
    expect(() => parseArgs(["-z", "brotli"], specs, {})).toThrow(/-z must be one of none, gzip, got 'brotli'/);
  });
});

describe("produce input", () => {
  it("reads kcat's delimiter escapes and refuses unknown ones", () => {
    expect(parseDelimiter("\\n", "-D")).toEqual(Buffer.from("\n"));
    expect(parseDelimiter("|\\t\\x00\\\\", "-D")).toEqual(Buffer.from([0x7c, 0x09, 0x00, 0x5c]));
    expect(parseDelimiter("::", "-K")).toEqual(Buffer.from("::"));
    expect(() => parseDelimiter("\\q", "-D")).toThrow(/unknown escape '\\q'/);
    expect(() => parseDelimiter("\\x4", "-D")).toThrow(/unknown escape/);
    expect(() => parseDelimiter("", "-D")).toThrow(/must not be empty/);
  });

  it("parses headers as kcat: split at the first '=', a bare name is a null value, an empty name is refused", () => {
    expect(parseHeader("a=b=c")).toEqual({ key: "a", value: Buffer.from("b=c") });
    expect(parseHeader("empty=")).toEqual({ key: "empty", value: Buffer.alloc(0) });
    expect(parseHeader("flag")).toEqual({ key: "flag", value: null });
    expect(() => parseHeader("=v")).toThrow(/header name is empty/);
    expect(() => parseHeader("")).toThrow(/header name is empty/);
  });

  it("parses timestamps as milliseconds or ISO dates", () => {
    expect(parseTimestamp("1700000000000", "--timestamp")).toBe(1_700_000_000_000);
    expect(parseTimestamp("2023-11-14T22:13:20Z", "--timestamp")).toBe(1_700_000_000_000);
    expect(() => parseTimestamp("yesterday", "--timestamp")).toThrow(/milliseconds since the epoch or an ISO date/);
    expect(() => parseTimestamp("-5", "--timestamp")).toThrow(/milliseconds/);
  });

  it("shapes a record: own key over -k, -Z nulls empty values and keys, per-record timestamps", () => {
    const shape = { keySeparator: Buffer.from(":"), key: Buffer.from("fixed"), headers: [{ key: "h", value: Buffer.from("1") }], tombstone: true };
    expect(shapeRecord(Buffer.from("k:v"), shape)).toEqual({ key: Buffer.from("k"), value: Buffer.from("v"), headers: shape.headers, timestamp: undefined });
    expect(shapeRecord(Buffer.from("v"), shape)).toMatchObject({ key: Buffer.from("fixed"), value: Buffer.from("v") });
    expect(shapeRecord(Buffer.from("k:"), shape)).toMatchObject({ key: Buffer.from("k"), value: null });
    expect(shapeRecord(Buffer.from(":v"), shape)).toMatchObject({ key: null, value: Buffer.from("v") });
    expect(shapeRecord(Buffer.from(""), { headers: [], tombstone: false })).toEqual({ key: null, value: Buffer.alloc(0), headers: undefined, timestamp: undefined });
    const perRecord = { headers: [], tombstone: false, timestampSeparator: Buffer.from("|"), keySeparator: Buffer.from(":") };
    expect(shapeRecord(Buffer.from("1700000000000|k:v"), perRecord)).toMatchObject({ key: Buffer.from("k"), value: Buffer.from("v"), timestamp: 1_700_000_000_000 });
    const missing = shapeRecord(Buffer.from("k:v"), perRecord);
    expect(missing).toBeInstanceOf(Error);
    expect((missing as Error & { code: string }).code).toBe("INVALID_RECORD");
    expect((shapeRecord(Buffer.from("soon|v"), perRecord) as Error).message).toMatch(/'soon' is not a timestamp/);
  });

  it("splits at a multi-byte delimiter, also when it straddles chunks, keeping CRs and a last record without one", async () => {
    expect(await split(["a||b||", "c"], "||")).toEqual(["a", "b", "c"]);
    expect(await split(["a|", "|b|", "|c||"], "||")).toEqual(["a", "b", "c"]);
    expect(await split(["ab", "c", "d<", "E", "ND>", "x<END", ">"], "<END>")).toEqual(["abcd", "x"]);
    expect(await split(["one\r\ntwo\r\n"], "\n")).toEqual(["one\r", "two\r"]);
    expect(await split(["||"], "||")).toEqual([""]);
    expect(await split(["no delimiter at all"], ";")).toEqual(["no delimiter at all"]);
    const big = "x".repeat(100_000);
    expect(await split([big.slice(0, 40_000), big.slice(40_000) + ";", "y"], ";")).toEqual([big, "y"]);
  });
});

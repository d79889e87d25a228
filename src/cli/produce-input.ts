// What `rivulet produce` makes of its input: where records come from (lines, a custom delimiter, whole
// files) and how each raw record becomes key, value, headers and timestamp. kcat's flags are the reference:
//   -D delim   records are separated by delim (escapes \n \r \t \0 \\ \xNN, as kcat's -D)
//   -K delim   a record's key is what precedes the first delim (same escapes); without one, -k or none
//   -k key     the key of every record that has no key of its own (kcat: per-record keys take precedence)
//   -H k=v     a header on every record (repeatable; `-H k` alone is a header with a null value, as kcat)
//   -Z         an empty value is sent as null: a tombstone, which deletes the key from a compacted topic
//              (an empty key is sent as null too, as kcat does)
// plus --timestamp (one time for every record) and --timestamp-delimiter (each record starts with its own
// milliseconds then the delimiter, before any key), and --file (each file is one record, as kcat's
// positional files). A record the input shapes badly (no timestamp) fails alone, like a refused line.

import { readFile, stat } from "node:fs/promises";
import type { ProducerRecord } from "../client/index.js";
import { InvalidRecordError } from "../errors/index.js";
import { CliError, UsageError } from "./errors.js";
import { readDelimited, readLines, splitKey } from "./lines.js";

export type Header = { key: string; value: Uint8Array | null };

/** kcat's delimiter syntax: literal bytes with \n \r \t \0 \\ and \xNN escapes. */
export function parseDelimiter(raw: string, flag: string): Buffer {
  const bytes: number[] = [];
  const literal = Buffer.from(raw);
  for (let i = 0; i < literal.length; i++) {
    const c = literal[i]!;
    if (c !== 0x5c /* \ */) {
      bytes.push(c);
      continue;
    }
    const next = String.fromCharCode(literal[i + 1] ?? 0);
    const simple: Record<string, number> = { n: 0x0a, r: 0x0d, t: 0x09, "0": 0x00, "\\": 0x5c };
    if (next in simple) {
      bytes.push(simple[next]!);
      i++;
    } else if (next === "x" && /^[0-9a-fA-F]{2}$/.test(raw.slice(i + 2, i + 4))) {
      bytes.push(parseInt(literal.subarray(i + 2, i + 4).toString(), 16));
      i += 3;
    } else throw new UsageError(`${flag}: unknown escape '\\${literal[i + 1] === undefined ? "" : next}' in '${raw}' (known: \\n \\r \\t \\0 \\\\ \\xNN)`);
  }
  if (bytes.length === 0) throw new UsageError(`${flag} must not be empty`);
  return Buffer.from(bytes);
}

/** `-H name=value` (split at the first '='); `-H name` is a null value, as kcat. An empty name is refused. */
export function parseHeader(raw: string): Header {
  const eq = raw.indexOf("=");
  const key = eq < 0 ? raw : raw.slice(0, eq);
  if (key === "") throw new UsageError(`-H/--header '${raw}': the header name is empty (expected NAME=VALUE)`);
  return { key, value: eq < 0 ? null : Buffer.from(raw.slice(eq + 1)) };
}

/** Milliseconds since the epoch, or an ISO date. */
export function parseTimestamp(raw: string, what: string): number {
  const text = raw.trim();
  const ms = /^-?\d+$/.test(text) ? Number(text) : /^\d{4}-\d\d/.test(text) ? Date.parse(text) : NaN;
  if (!Number.isSafeInteger(ms) || ms < 0) throw new UsageError(`${what} must be milliseconds since the epoch or an ISO date, got '${raw}'`);
  return ms;
}

export interface Shape {
  keySeparator?: Buffer;
  key?: Buffer;
  headers: Header[];
  tombstone: boolean;
  timestamp?: number;
  timestampSeparator?: Buffer;
}

/** The parts of a ProducerRecord one raw record gives, or the reason it cannot be one. */
export type Shaped = Pick<ProducerRecord, "key" | "value" | "headers" | "timestamp"> | Error;

export function shapeRecord(raw: Buffer, shape: Shape): Shaped {
  let rest = raw;
  let timestamp = shape.timestamp;
  if (shape.timestampSeparator) {
    const at = rest.indexOf(shape.timestampSeparator);
    const text = at < 0 ? "" : rest.subarray(0, at).toString();
    if (at < 0 || !/^\d+$/.test(text) || !Number.isSafeInteger(Number(text))) {
      return new InvalidRecordError(at < 0 ? `no timestamp: the record does not contain the --timestamp-delimiter` : `'${text.slice(0, 40)}' is not a timestamp in milliseconds`);
    }
    timestamp = Number(text);
    rest = rest.subarray(at + shape.timestampSeparator.length);
  }
  let key: Buffer | null = shape.key ?? null;
  let value: Buffer | null = rest;
  if (shape.keySeparator) {
    const [own, v] = splitKey(rest, shape.keySeparator);
    if (own !== null) key = own;
    value = v;
  }
  // kcat -Z nulls an empty key as well as an empty value (so ":v" with -K: has a null key, as kcat sends it).
  if (shape.tombstone && value.length === 0) value = null;
  if (shape.tombstone && key !== null && key.length === 0) key = null;
  return { key, value, headers: shape.headers.length ? shape.headers : undefined, timestamp };
}

/** Checks every file is readable before anything is produced, so a typo sends nothing. */
export async function checkFiles(files: string[]): Promise<void> {
  for (const file of files) {
    try {
      const info = await stat(file);
      if (!info.isFile()) throw new CliError(`--file ${file}: not a regular file`);
    } catch (error) {
      if (error instanceof CliError) throw error;
      const code = (error as NodeJS.ErrnoException).code;
      throw new CliError(`--file ${file}: ${code === "ENOENT" ? "no such file" : code === "EACCES" ? "permission denied" : (error as Error).message}; nothing was produced`);
    }
  }
}

/** Each file as one record, in order (read one at a time, when the producer has room for it). */
export async function* fileRecords(files: string[]): AsyncGenerator<Buffer[]> {
  for (const file of files) {
    try {
      yield [await readFile(file)];
    } catch (error) {
      throw new CliError(`--file ${file}: ${(error as Error).message}`);
    }
  }
}

/** Where records come from: files, stdin split at a delimiter, or stdin's lines (CRLF-tolerant). */
export function inputRecords(files: string[], delimiter: Buffer | undefined): AsyncGenerator<Buffer[]> {
  if (files.length) return fileRecords(files);
  return delimiter ? readDelimited(process.stdin, delimiter) : readLines(process.stdin);
}

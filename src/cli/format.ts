// How `rivulet consume` prints a record:
//   value  the value's bytes as they are, then "\n" (a null value prints an empty line)
//   kv     key, separator, value, "\n" (a record without a key prints its value alone, as `produce
//          --key-separator` reads it back)
//   json   one object per line: {"topic","partition","offset" (a string: offsets pass 2^53),"timestamp",
//          "key","value","headers":[{"key","value"}]}; keys and values are UTF-8 strings or null, and bytes
//          that are not valid UTF-8 are base64 with a "keyEncoding"/"valueEncoding": "base64" marker.

import type { ConsumedRecord } from "../client/index.js";
import type { Output } from "./output.js";

export type OutputFormat = "value" | "kv" | "json";
export const OUTPUT_FORMATS = ["value", "kv", "json"] as const;

const NEWLINE = Buffer.from("\n");
const strictUtf8 = new TextDecoder("utf-8", { fatal: true });

/** A string for JSON output: the UTF-8 text, or base64 if the bytes are not valid UTF-8. */
function text(bytes: Uint8Array): { value: string; base64: boolean } {
  try {
    return { value: strictUtf8.decode(bytes), base64: false };
  } catch {
    return { value: Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("base64"), base64: true };
  }
}

export function recordJson(record: ConsumedRecord): string {
  const out: Record<string, unknown> = {
    topic: record.topic,
    partition: record.partition,
    offset: record.offset.toString(),
    timestamp: record.timestamp,
  };
  for (const field of ["key", "value"] as const) {
    const bytes = record[field];
    if (bytes === null) out[field] = null;
    else {
      const t = text(bytes);
      out[field] = t.value;
      if (t.base64) out[`${field}Encoding`] = "base64";
    }
  }
  out.headers = record.headers.map((h) => {
    if (h.value === null) return { key: h.key, value: null };
    const t = text(h.value);
    return t.base64 ? { key: h.key, value: t.value, valueEncoding: "base64" } : { key: h.key, value: t.value };
  });
  return JSON.stringify(out) + "\n";
}

/** Returns a function that appends one record to `output` in the given format. */
export function recordWriter(format: OutputFormat, output: Output, keySeparator = "=", printNull = false): (record: ConsumedRecord) => void {
  const separator = Buffer.from(keySeparator);
  // --print-null (kcat -Z): a null value prints NULL; a null key is still left out in kv (it had none).
  const nullValue = printNull ? Buffer.from("NULL") : undefined;
  switch (format) {
    case "value":
      return (record) => {
        const value = record.value ?? nullValue;
        if (value) output.push(value);
        output.push(NEWLINE);
      };
    case "kv":
      return (record) => {
        if (record.key) {
          output.push(record.key);
          output.push(separator);
        }
        const value = record.value ?? nullValue;
        if (value) output.push(value);
        output.push(NEWLINE);
      };
    case "json":
      return (record) => output.text(recordJson(record));
  }
}

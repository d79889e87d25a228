// `consume --template`: kcat's -f output format. Tokens:
//   %t topic   %p partition   %o offset   %T timestamp (ms)   %k key   %K key length (-1: null)
//   %s value   %S value length (-1: null)   %h headers as k=v,k2=v2   %%  a percent sign
//   \n \r \t \\   the escapes kcat takes
// Keys and values are written as their bytes; a null key or value writes nothing (its length is -1), or
// NULL with --print-null (kcat -Z on the consumer side).

import type { ConsumedRecord } from "../client/index.js";
import { UsageError } from "./errors.js";
import type { Output } from "./output.js";

type Part = string | ((record: ConsumedRecord, output: Output) => void);

const utf8 = new TextDecoder();

/** kcat -Z: null keys, values and header values print as NULL instead of nothing. */
const NULL = Buffer.from("NULL");
const NULL_FIELDS: Record<string, (record: ConsumedRecord, output: Output) => void> = {
  k: (r, o) => o.push(r.key ?? NULL),
  s: (r, o) => o.push(r.value ?? NULL),
  h: (r, o) => o.text(r.headers.map((h) => `${h.key}=${h.value === null ? "NULL" : utf8.decode(h.value)}`).join(",")),
};

const FIELDS: Record<string, (record: ConsumedRecord, output: Output) => void> = {
  t: (r, o) => o.text(r.topic),
  p: (r, o) => o.text(String(r.partition)),
  o: (r, o) => o.text(r.offset.toString()),
  T: (r, o) => o.text(String(r.timestamp)),
  k: (r, o) => void (r.key && o.push(r.key)),
  K: (r, o) => o.text(String(r.key ? r.key.length : -1)),
  s: (r, o) => void (r.value && o.push(r.value)),
  S: (r, o) => o.text(String(r.value ? r.value.length : -1)),
  h: (r, o) => o.text(r.headers.map((h) => `${h.key}=${h.value === null ? "" : utf8.decode(h.value)}`).join(",")),
};

const ESCAPES: Record<string, string> = { n: "\n", r: "\r", t: "\t", "\\": "\\" };

export function compileTemplate(template: string, printNull = false): Part[] {
  const parts: Part[] = [];
  let literal = "";
  for (let i = 0; i < template.length; i++) {
    const c = template[i]!;
    const next = template[i + 1];
    if (c === "%" || c === "\\") {
      if (next === undefined) throw new UsageError(`--template ends with a lone '${c}'`);
      i++;
      if (c === "\\") {
        literal += ESCAPES[next] ?? `\\${next}`;
        continue;
      }
      if (next === "%") {
        literal += "%";
        continue;
      }
      const field = (printNull ? NULL_FIELDS[next] : undefined) ?? FIELDS[next];
      if (!field) throw new UsageError(`--template: unknown token %${next} (known: ${Object.keys(FIELDS).map((f) => `%${f}`).join(" ")} %%)`);
      if (literal) parts.push(literal);
      literal = "";
      parts.push(field);
      continue;
    }
    literal += c;
  }
  if (literal) parts.push(literal);
  return parts;
}

export function templateWriter(template: string, output: Output, printNull = false): (record: ConsumedRecord) => void {
  const parts = compileTemplate(template, printNull);
  return (record) => {
    for (const part of parts) {
      if (typeof part === "string") output.text(part);
      else part(record, output);
    }
  };
}

// Compiles the field lists of schema.ts into codecs: per (message, version) once, into closures, so the
// hot paths (Produce, Fetch) pay one closure call per field, not a walk over the declaration; then into
// straight-line code over those closures where the runtime allows it (see generated()). Defaults
// for absent fields and the tagged-field rules are described in schema.ts.

import { InvalidArgumentError } from "../../errors/index.js";
import { checkVersion, type VersionRange } from "./errors.js";
import type { Reader } from "./reader.js";
import { message, within, type Field, type FieldType, type MessageSchema } from "./schema.js";
import { Writer } from "./writer.js";

type Read = (r: Reader) => unknown;
type Write = (w: Writer, value: unknown) => void;
interface Op {
  readonly name: string;
  readonly read: Read;
  readonly write: Write;
  readonly fallback: () => unknown;
}
export interface Compiled {
  readonly read: (r: Reader) => Record<string, unknown>;
  readonly write: (w: Writer, obj: Record<string, unknown>) => void;
}

const ZERO_UUID = new Uint8Array(16);

function defaultOf(field: Field, version: number): () => unknown {
  if (field.default !== undefined) {
    const d = field.default;
    return () => d;
  }
  if (within(field.nullable, version) && typeof field.type !== "string") return () => null;
  const t = field.type;
  if (typeof t !== "string") return t.kind === "array" ? () => [] : () => undefined;
  switch (t) {
    case "int64":
      return () => 0n;
    case "bool":
      return () => false;
    case "string":
      return () => "";
    case "uuid":
      return () => ZERO_UUID;
    case "bytes":
      return () => new Uint8Array(0);
    case "records":
      return () => null;
    default:
      return () => 0;
  }
}

function typeCodec(t: FieldType, version: number, flex: boolean, nullable: boolean, generate: boolean): { read: Read; write: Write } {
  if (typeof t !== "string") {
    if (t.kind === "struct") {
      const c = compileStruct(t.fields, version, flex, generate);
      if (nullable) {
        // Nullable structs carry an int8 presence marker (-1 = null, 1 = present).
        return {
          read: (r) => (r.int8() < 0 ? null : c.read(r)),
          write: (w, v) => (v == null ? w.int8(-1) : (w.int8(1), c.write(w, v as Record<string, unknown>))),
        };
      }
      return { read: c.read, write: (w, v) => c.write(w, (v ?? {}) as Record<string, unknown>) };
    }
    const el = typeCodec(t.of, version, flex, false, generate);
    if (flex) {
      return nullable
        ? { read: (r) => r.compactNullableArray(el.read), write: (w, v) => w.compactNullableArray(v as unknown[] | null, el.write) }
        : { read: (r) => r.compactArray(el.read), write: (w, v) => w.compactArray((v ?? []) as unknown[], el.write) };
    }
    return nullable
      ? { read: (r) => r.nullableArray(el.read), write: (w, v) => w.nullableArray(v as unknown[] | null, el.write) }
      : { read: (r) => r.array(el.read), write: (w, v) => w.array((v ?? []) as unknown[], el.write) };
  }
  switch (t) {
    case "int8":
      return { read: (r) => r.int8(), write: (w, v) => w.int8(v as number) };
    case "int16":
      return { read: (r) => r.int16(), write: (w, v) => w.int16(v as number) };
    case "uint16":
      return { read: (r) => r.uint16(), write: (w, v) => w.uint16(v as number) };
    case "int32":
      return { read: (r) => r.int32(), write: (w, v) => w.int32(v as number) };
    case "int64":
      return { read: (r) => r.int64(), write: (w, v) => w.int64(v as bigint) };
    case "bool":
      return { read: (r) => r.bool(), write: (w, v) => w.bool(v as boolean) };
    case "uuid":
      return { read: (r) => r.uuid(), write: (w, v) => w.uuid(v as Uint8Array) };
    case "string":
      if (flex) {
        return nullable
          ? { read: (r) => r.compactNullableString(), write: (w, v) => w.compactNullableString(v as string | null) }
          : { read: (r) => r.compactString(), write: (w, v) => w.compactString(v as string) };
      }
      return nullable
        ? { read: (r) => r.nullableString(), write: (w, v) => w.nullableString(v as string | null) }
        : { read: (r) => r.string(), write: (w, v) => w.string(v as string) };
    case "bytes":
      if (flex) {
        return nullable
          ? { read: (r) => r.compactNullableBytes(), write: (w, v) => w.compactNullableBytes(v as Uint8Array | null) }
          : { read: (r) => r.compactBytes(), write: (w, v) => w.compactBytes(v as Uint8Array) };
      }
      return nullable
        ? { read: (r) => r.nullableBytes(), write: (w, v) => w.nullableBytes(v as Uint8Array | null) }
        : { read: (r) => r.bytes(), write: (w, v) => w.bytes(v as Uint8Array) };
    case "records":
      return flex
        ? { read: (r) => r.compactNullableBytes(), write: (w, v) => w.compactRecords(v as never) }
        : { read: (r) => r.nullableBytes(), write: (w, v) => w.records(v as never) };
  }
}

// A tagged value is written only when it differs from its default ("empty" for arrays and structs).
function isDefault(v: unknown, fallback: unknown): boolean {
  if (v === undefined || v === fallback) return true;
  if (Array.isArray(v)) return v.length === 0 && Array.isArray(fallback);
  return false;
}

function compileStruct(fields: readonly Field[], version: number, flex: boolean, generate: boolean): Compiled {
  const ops: Op[] = [];
  const absent: { name: string; fallback: () => unknown }[] = [];
  const tagged = new Map<number, Op>();
  for (const field of fields) {
    const fallback = defaultOf(field, version);
    if (!within(field.versions, version)) {
      absent.push({ name: field.name, fallback });
      continue;
    }
    const codec = typeCodec(field.type, version, flex, within(field.nullable, version), generate);
    const op: Op = { name: field.name, read: codec.read, write: codec.write, fallback };
    if (flex && field.tag !== undefined && within(field.tagged, version)) tagged.set(field.tag, op);
    else ops.push(op);
  }
  const taggedOps = [...tagged.entries()].sort((a, b) => a[0] - b[0]);
  const writeTags = (w: Writer, obj: Record<string, unknown>): void => {
    // Count first without allocating: almost every struct sends no tags at all.
    let count = 0;
    for (const [, op] of taggedOps) if (!isDefault(obj[op.name], op.fallback())) count++;
    w.uvarint(count);
    if (count === 0) return;
    for (const [tag, op] of taggedOps) {
      if (isDefault(obj[op.name], op.fallback())) continue;
      const sub = new Writer({ externalMin: Infinity });
      op.write(sub, obj[op.name]);
      const bytes = sub.toBytes();
      w.uvarint(tag).uvarint(bytes.length).raw(bytes);
    }
  };
  const closures: Compiled = {
    read(r) {
      const obj: Record<string, unknown> = {};
      for (const op of ops) obj[op.name] = op.read(r);
      for (const a of absent) obj[a.name] = a.fallback();
      if (flex) {
        for (const [, op] of taggedOps) obj[op.name] = op.fallback();
        r.taggedFields((tag, fr) => {
          const op = tagged.get(tag);
          if (op) obj[op.name] = op.read(fr);
        });
      }
      return obj;
    },
    write(w, obj) {
      for (const op of ops) {
        const v = obj[op.name];
        op.write(w, v === undefined ? op.fallback() : v);
      }
      if (flex) writeTags(w, obj);
    },
  };
  // Where code generation is refused (a CSP without 'unsafe-eval'), the closures serve.
  return generate ? (generated(ops, absent, taggedOps, tagged, flex, writeTags) ?? closures) : closures;
}

/**
 * The same reader and writer as straight-line code, one per (message, version): objects are created by one
 * literal with every field in declaration order, so all decoded messages of a kind share one shape and each
 * property access is monomorphic, where the closures' `obj[op.name]` loop goes through keyed (megamorphic)
 * loads and stores. The ops and fallbacks are the closures' own, passed in; field names are embedded as
 * JSON string literals. Tagged fields keep the closures' logic (they are rare and never on a hot path).
 */
function generated(
  ops: readonly Op[],
  absent: readonly { name: string; fallback: () => unknown }[],
  taggedOps: ReadonlyArray<readonly [number, Op]>,
  tagged: ReadonlyMap<number, Op>,
  flex: boolean,
  writeTags: (w: Writer, obj: Record<string, unknown>) => void,
): Compiled | undefined {
  const key = (name: string) => JSON.stringify(name);
  const props = [
    ...ops.map((op, i) => `${key(op.name)}: R[${i}](r)`),
    ...absent.map((a, i) => `${key(a.name)}: A[${i}]()`),
    ...(flex ? taggedOps.map(([, op], i) => `${key(op.name)}: T[${i}]()`) : []),
  ];
  const readBody = `return function read(r) {
  const o = { ${props.join(", ")} };
  ${flex ? "r.taggedFields((tag, fr) => { const op = tagged.get(tag); if (op) o[op.name] = op.read(fr); });" : ""}
  return o;
};`;
  const writes = ops.map((op, i) => `v = o[${key(op.name)}]; W[${i}](w, v === undefined ? F[${i}]() : v);`);
  const writeBody = `return function write(w, o) {
  let v;
  ${writes.join("\n  ")}
  ${flex ? "tail(w, o);" : ""}
};`;
  try {
    const read = new Function("R", "A", "T", "tagged", readBody)(
      ops.map((op) => op.read),
      absent.map((a) => a.fallback),
      taggedOps.map(([, op]) => op.fallback),
      tagged,
    ) as Compiled["read"];
    const write = new Function("W", "F", "tail", writeBody)(
      ops.map((op) => op.write),
      ops.map((op) => op.fallback),
      writeTags,
    ) as Compiled["write"];
    return { read, write };
  } catch {
    return undefined;
  }
}

const cache = new WeakMap<MessageSchema, Map<number, Compiled>>();

function compiled(schema: MessageSchema, version: number): Compiled {
  let byVersion = cache.get(schema);
  if (!byVersion) cache.set(schema, (byVersion = new Map()));
  let c = byVersion.get(version);
  if (!c) byVersion.set(version, (c = compileMessage(schema, version, true)));
  return c;
}

/**
 * A message's reader and writer at one version, uncached: `generate` false gives the closures alone (the
 * codec bench compares the two side by side; the cached path above always tries generation).
 */
export function compileMessage(schema: MessageSchema, version: number, generate: boolean): Compiled {
  return compileStruct(schema.fields, version, version >= schema.flexibleFrom, generate);
}

export function readMessage<T>(schema: MessageSchema, r: Reader, version: number): T {
  return compiled(schema, version).read(r) as T;
}

export function writeMessage<T>(schema: MessageSchema, w: Writer, version: number, value: T): void {
  if (value === null || typeof value !== "object") throw new InvalidArgumentError("a Kafka message body must be an object");
  compiled(schema, version).write(w, value as Record<string, unknown>);
}

export interface SchemaCodec<Req, Res> {
  readonly versions: VersionRange;
  decodeRequest(r: Reader, version: number): Req;
  encodeRequest(w: Writer, version: number, req: Req): void;
  decodeResponse(r: Reader, version: number): Res;
  encodeResponse(w: Writer, version: number, res: Res): void;
}

/** The four codec functions of an API from its two field lists, version-checked against `versions`. */
export function defineApi<Req, Res>(versions: VersionRange, request: readonly Field[], response: readonly Field[]): SchemaCodec<Req, Res> {
  const req = message(versions.flexibleFrom, request);
  const res = message(versions.flexibleFrom, response);
  return {
    versions,
    decodeRequest: (r, v) => (checkVersion(versions, v), readMessage<Req>(req, r, v)),
    encodeRequest: (w, v, value) => (checkVersion(versions, v), writeMessage(req, w, v, value)),
    decodeResponse: (r, v) => (checkVersion(versions, v), readMessage<Res>(res, r, v)),
    encodeResponse: (w, v, value) => (checkVersion(versions, v), writeMessage(res, w, v, value)),
  };
}

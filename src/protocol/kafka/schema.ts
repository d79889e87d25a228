// A small declarative codec for Kafka message bodies. Each apis/<name>.ts declares its request and
// response as a field list transcribed from Kafka's message definitions (field, type, versions,
// nullable versions, tag, default), and this module reads and writes them at any version:
//
//   field present at v?  ── no ──► decode sets the default, encode writes nothing
//        │ yes
//   tagged at v? ── yes ─► tagged section (decode: known tags read, unknown skipped; encode: written only
//        │ no                                when the value differs from its default)
//   flexible at v? ─ yes ─► compact string/bytes/array lengths (uvarint n+1), tagged section per struct
//                    no ──► int16 string / int32 bytes and array lengths
//
// schema-compile.ts turns a field list into a reader and a writer per version. Objects use the field names
// as given (camelCase); absent values on encode fall back to the declared default (0, "", false, [],
// null for nullable fields, -1 etc. where declared).


export type Primitive =
  | "int8"
  | "int16"
  | "uint16"
  | "int32"
  | "int64"
  | "bool"
  | "uuid"
  | "string"
  | "bytes"
  /** Record data: nullable bytes that may be written as several chunks, referenced not copied. */
  | "records";
export interface ArrayType {
  readonly kind: "array";
  readonly of: FieldType;
}
export interface StructType {
  readonly kind: "struct";
  readonly fields: readonly Field[];
}
export type FieldType = Primitive | ArrayType | StructType;

/** Inclusive version range; max Infinity for "N+", min > max for "none". */
export type Range = readonly [number, number];

export interface Field {
  readonly name: string;
  readonly type: FieldType;
  readonly versions: Range;
  readonly nullable: Range;
  readonly tag: number | undefined;
  readonly tagged: Range;
  readonly default: unknown;
}

export interface FieldOptions {
  /** Versions in which the field may be null ("none" by default). */
  nullable?: string;
  tag?: number;
  /** Versions in which the field travels in the tagged section. */
  tagged?: string;
  default?: unknown;
}

const NONE: Range = [1, 0];

/** Parses Kafka's version notation: "3+", "0-7", "5", "none". */
export function range(spec: string): Range {
  if (spec === "none") return NONE;
  if (spec.endsWith("+")) return [Number(spec.slice(0, -1)), Infinity];
  const [a, b] = spec.split("-");
  return [Number(a), Number(b ?? a)];
}
export const within = (r: Range, v: number) => v >= r[0] && v <= r[1];

export function f(name: string, type: FieldType, versions: string, options: FieldOptions = {}): Field {
  return {
    name,
    type,
    versions: range(versions),
    nullable: range(options.nullable ?? "none"),
    tag: options.tag,
    tagged: range(options.tagged ?? "none"),
    default: options.default,
  };
}
export const arr = (of: FieldType): ArrayType => ({ kind: "array", of });
export const struct = (fields: readonly Field[]): StructType => ({ kind: "struct", fields });

/** A message body: its fields plus the first flexible version of its API. */
export interface MessageSchema {
  readonly fields: readonly Field[];
  readonly flexibleFrom: number;
}
export const message = (flexibleFrom: number, fields: readonly Field[]): MessageSchema => ({ fields, flexibleFrom });

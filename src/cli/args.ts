// A small typed flag parser (no dependency). Accepted forms:
//   --flag value   --flag=value   --flag (booleans)   --flag=false   -h   --   (everything after is positional)
//   -X value   -Xvalue   -X (booleans): a flag's one-letter `short` name (kcat's letters where they exist)
// A repeated flag keeps its last value unless it is declared `multiple`, which collects every value.
// Values come from, in order: the command line, the flag's environment variable, its default.

import { UsageError } from "./errors.js";

interface FlagBase {
  description: string;
  /** Environment variable read when the flag is absent. */
  env?: string;
  /** Name of the value in help text ("N", "URL"). */
  placeholder?: string;
  /** A one-letter alias, written `-X` (kcat's `-H`, `-k`, `-K`, ...). */
  short?: string;
}

export interface StringFlag extends FlagBase {
  kind: "string";
  default?: string;
  /** Accepted values; anything else is a usage error. */
  choices?: readonly string[];
  multiple?: false;
}
export interface StringListFlag extends FlagBase {
  kind: "string";
  multiple: true;
}
export interface IntegerFlag extends FlagBase {
  kind: "integer";
  default?: number;
  min?: number;
  multiple?: false;
}
export interface IntegerListFlag extends FlagBase {
  kind: "integer";
  min?: number;
  multiple: true;
}
export interface BooleanFlag extends FlagBase {
  kind: "boolean";
}

export type FlagSpec = StringFlag | StringListFlag | IntegerFlag | IntegerListFlag | BooleanFlag;
export type FlagSpecs = Record<string, FlagSpec>;

type ValueOf<S extends FlagSpec> = S extends { kind: "boolean" }
  ? boolean
  : S extends { multiple: true }
    ? S extends { kind: "integer" }
      ? number[]
      : string[]
    : S extends { default: number | string }
      ? S extends { kind: "integer" }
        ? number
        : string
      : S extends { kind: "integer" }
        ? number | undefined
        : string | undefined;

export type Flags<S extends FlagSpecs> = { [K in keyof S]: ValueOf<S[K]> };

/** Where a flag's value came from: the command line, its environment variable, or its default. */
export type FlagSource = "flag" | "env" | "default";

export interface Parsed<S extends FlagSpecs> {
  flags: Flags<S>;
  sources: { [K in keyof S]: FlagSource };
  positionals: string[];
  help: boolean;
}

function parseInteger(spec: IntegerFlag | IntegerListFlag, raw: string, source: string): number {
  const text = raw.trim().replace(/_/g, "");
  const value = /^-?\d+$/.test(text) ? Number(text) : NaN;
  if (!Number.isSafeInteger(value)) throw new UsageError(`${source} expects an integer, got '${raw}'`);
  if (spec.min !== undefined && value < spec.min) throw new UsageError(`${source} must be at least ${spec.min}, got ${value}`);
  return value;
}

function parseBoolean(raw: string, source: string): boolean {
  const text = raw.trim().toLowerCase();
  if (["1", "true", "yes", "on"].includes(text)) return true;
  if (["0", "false", "no", "off", ""].includes(text)) return false;
  throw new UsageError(`${source} expects true or false, got '${raw}'`);
}

function convert(spec: FlagSpec, raw: string, source: string): string | number | boolean {
  if (spec.kind === "boolean") return parseBoolean(raw, source);
  if (spec.kind === "integer") return parseInteger(spec, raw, source);
  if (!spec.multiple && spec.choices && !spec.choices.includes(raw)) {
    throw new UsageError(`${source} must be one of ${spec.choices.join(", ")}, got '${raw}'`);
  }
  return raw;
}

/**
 * Parses `argv` against `specs`. Unknown flags and missing values are UsageErrors (exit 2). `--help` and
 * `-h` set `help` instead of failing, so help works even next to an otherwise invalid command line.
 */
export function parseArgs<S extends FlagSpecs>(argv: readonly string[], specs: S, env: NodeJS.ProcessEnv = process.env): Parsed<S> {
  const given = new Map<string, Array<string | number | boolean>>();
  const positionals: string[] = [];
  let help = false;
  for (let i = 0; i < argv.length; i++) {
    const token = argv[i]!;
    if (token === "--") {
      positionals.push(...argv.slice(i + 1));
      break;
    }
    if (token === "--help" || token === "-h") {
      help = true;
      continue;
    }
    if (!token.startsWith("--") || token === "-") {
      if (token.startsWith("-") && token !== "-" && !/^-\d/.test(token)) {
        // -X, -X value, -Xvalue: the rest of the token is the value (getopt's rule), so -H a=b and -Ha=b agree.
        const name = Object.keys(specs).find((n) => specs[n]!.short === token[1]);
        const spec = name === undefined ? undefined : specs[name];
        if (name === undefined || !spec) throw new UsageError(`unknown flag ${token}`);
        let raw: string;
        if (spec.kind === "boolean") {
          if (token.length > 2) throw new UsageError(`-${token[1]} takes no value, got '${token}'`);
          raw = "true";
        } else if (token.length > 2) raw = token.slice(2);
        else {
          const next = argv[i + 1];
          if (next === undefined) throw new UsageError(`-${token[1]} needs a value`);
          raw = next;
          i++;
        }
        const values = given.get(name) ?? [];
        values.push(convert(spec, raw, `-${token[1]}`));
        given.set(name, values);
        continue;
      }
      positionals.push(token);
      continue;
    }
    const eq = token.indexOf("=");
    const name = token.slice(2, eq < 0 ? undefined : eq);
    const spec = specs[name];
    if (!spec) throw new UsageError(`unknown flag --${name}`);
    let raw: string;
    if (eq >= 0) raw = token.slice(eq + 1);
    else if (spec.kind === "boolean") raw = "true";
    else {
      const next = argv[i + 1];
      if (next === undefined || (next.startsWith("--") && next.length > 2)) throw new UsageError(`--${name} needs a value`);
      raw = next;
      i++;
    }
    const list = given.get(name) ?? [];
    list.push(convert(spec, raw, `--${name}`));
    given.set(name, list);
  }

  const flags: Record<string, unknown> = {};
  const sources: Record<string, FlagSource> = {};
  for (const [name, spec] of Object.entries(specs)) {
    const values = given.get(name);
    const multiple = spec.kind !== "boolean" && spec.multiple === true;
    if (values) {
      flags[name] = multiple ? values : values[values.length - 1];
      sources[name] = "flag";
      continue;
    }
    const fromEnv = spec.env !== undefined ? env[spec.env] : undefined;
    if (fromEnv !== undefined && fromEnv !== "") {
      const value = convert(spec, fromEnv, spec.env!);
      flags[name] = multiple ? [value] : value;
      sources[name] = "env";
      continue;
    }
    sources[name] = "default";
    if (spec.kind === "boolean") flags[name] = false;
    else if (multiple) flags[name] = [];
    else flags[name] = (spec as StringFlag | IntegerFlag).default;
  }
  return { flags: flags as Flags<S>, sources: sources as Parsed<S>["sources"], positionals, help };
}

/**
 * Values from a configuration file, for the flags the command line and the environment left at their
 * default (precedence: flag > env > file > default). Keys are flag names; values are checked as the flag's
 * own would be. Unknown keys are an error naming the file, so a typo never silently does nothing.
 */
export function applyFileValues<S extends FlagSpecs>(parsed: Parsed<S>, specs: S, values: Record<string, unknown>, file: string): Flags<S> {
  const flags: Record<string, unknown> = { ...parsed.flags };
  for (const [key, raw] of Object.entries(values)) {
    const spec = specs[key];
    if (!spec) throw new UsageError(`${file}: unknown setting '${key}' (settings are named as the flags of this command)`);
    if (parsed.sources[key] !== "default") continue;
    const source = `${file}: ${key}`;
    const multiple = spec.kind !== "boolean" && spec.multiple === true;
    const list = Array.isArray(raw) ? raw : [raw];
    if (!multiple && Array.isArray(raw)) throw new UsageError(`${source} takes one value, got a list`);
    const converted = list.map((item) => {
      if (typeof item !== "string" && typeof item !== "number" && typeof item !== "boolean") throw new UsageError(`${source}: expected a string, number or boolean`);
      return convert(spec, String(item), source);
    });
    flags[key] = multiple ? converted : converted[0];
  }
  return flags as Flags<S>;
}

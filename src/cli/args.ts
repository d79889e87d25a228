// A small typed flag parser (no dependency). Accepted forms:
//   --flag value   --flag=value   --flag (booleans)   --flag=false   -h   --   (everything after is positional)
// A repeated flag keeps its last value unless it is declared `multiple`, which collects every value.
// Values come from, in order: the command line, the flag's environment variable, its default.

import { UsageError } from "./errors.js";

interface FlagBase {
  description: string;
  /** Environment variable read when the flag is absent. */
  env?: string;
  /** Name of the value in help text ("N", "URL"). */
  placeholder?: string;
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

export interface Parsed<S extends FlagSpecs> {
  flags: Flags<S>;
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
      if (token.startsWith("-") && token !== "-" && !/^-\d/.test(token)) throw new UsageError(`unknown flag ${token}`);
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
  for (const [name, spec] of Object.entries(specs)) {
    const values = given.get(name);
    const multiple = spec.kind !== "boolean" && spec.multiple === true;
    if (values) {
      flags[name] = multiple ? values : values[values.length - 1];
      continue;
    }
    const fromEnv = spec.env !== undefined ? env[spec.env] : undefined;
    if (fromEnv !== undefined && fromEnv !== "") {
      const value = convert(spec, fromEnv, spec.env!);
      flags[name] = multiple ? [value] : value;
      continue;
    }
    if (spec.kind === "boolean") flags[name] = false;
    else if (multiple) flags[name] = [];
    else flags[name] = (spec as StringFlag | IntegerFlag).default;
  }
  return { flags: flags as Flags<S>, positionals, help };
}

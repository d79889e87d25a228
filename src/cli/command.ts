// The shape of a command and its help text. Commands are data (name, arguments, flags, run); main.ts
// dispatches on the table in commands.ts, and --help is generated from the same data so it cannot drift.

import { parseArgs, type FlagSpec, type FlagSpecs, type Flags, type Parsed } from "./args.js";
import { UsageError } from "./errors.js";

export interface ArgSpec {
  name: string;
  description: string;
  optional?: boolean;
}

export interface CommandContext<S extends FlagSpecs> {
  flags: Flags<S>;
  /** Where each flag's value came from (flag, env or default): lets a command layer a config file in. */
  sources: Parsed<S>["sources"];
  args: string[];
  /** The command's full name, "topics create". */
  path: string;
}

export interface Command<S extends FlagSpecs = FlagSpecs> {
  name: string;
  summary: string;
  args?: ArgSpec[];
  flags: S;
  /** Paragraphs printed after the flags in --help. */
  details?: string[];
  /** Resolves to the exit code (default 0). */
  run(ctx: CommandContext<S>): Promise<number | void>;
}

export interface CommandGroup {
  name: string;
  summary: string;
  commands: AnyCommand[];
}

/** A command with its flag types erased, for the table. */
export interface AnyCommand {
  name: string;
  summary: string;
  args?: ArgSpec[];
  flags: FlagSpecs;
  details?: string[];
  invoke(argv: readonly string[], path: string): Promise<number>;
}

export function defineCommand<S extends FlagSpecs>(command: Command<S>): AnyCommand {
  return {
    name: command.name,
    summary: command.summary,
    args: command.args,
    flags: command.flags,
    details: command.details,
    async invoke(argv, path) {
      let parsed;
      try {
        parsed = parseArgs(argv, command.flags);
        if (!parsed.help) checkArity(command.args ?? [], parsed.positionals);
      } catch (error) {
        if (error instanceof UsageError) error.command ??= path;
        throw error;
      }
      if (parsed.help) {
        process.stdout.write(commandHelp(this, path));
        return 0;
      }
      try {
        return (await command.run({ flags: parsed.flags, sources: parsed.sources, args: parsed.positionals, path })) ?? 0;
      } catch (error) {
        if (error instanceof UsageError) error.command ??= path;
        throw error;
      }
    },
  };
}

function checkArity(specs: ArgSpec[], positionals: string[]): void {
  const required = specs.filter((a) => !a.optional).length;
  if (positionals.length < required) throw new UsageError(`missing ${specs.slice(positionals.length).filter((a) => !a.optional).map((a) => `<${a.name}>`).join(" ")}`);
  if (positionals.length > specs.length) throw new UsageError(`unexpected argument '${positionals[specs.length]}'`);
}

// ---- help ---------------------------------------------------------------------------------------------

function columns(rows: Array<[string, string]>, indent = "  "): string {
  const width = Math.max(0, ...rows.map(([left]) => left.length));
  return rows.map(([left, right]) => `${indent}${left.padEnd(width)}   ${right}`.trimEnd()).join("\n");
}

function flagLeft(name: string, spec: FlagSpec): string {
  const short = spec.short ? `-${spec.short}, ` : "";
  if (spec.kind === "boolean") return `${short}--${name}`;
  const placeholder = spec.placeholder ?? (spec.kind === "integer" ? "N" : "VALUE");
  return `${short}--${name} ${placeholder}`;
}

function flagRight(spec: FlagSpec): string {
  const notes: string[] = [];
  if (spec.kind === "string" && !spec.multiple && spec.choices) notes.push(`one of ${spec.choices.join("|")}`);
  if ((spec.kind === "string" || spec.kind === "integer") && !spec.multiple && spec.default !== undefined) notes.push(`default ${JSON.stringify(spec.default)}`);
  if (spec.kind !== "boolean" && spec.multiple) notes.push("repeatable");
  if (spec.env) notes.push(`env ${spec.env}`);
  return notes.length ? `${spec.description} (${notes.join("; ")})` : spec.description;
}

export function commandHelp(command: AnyCommand, path: string): string {
  const args = (command.args ?? []).map((a) => (a.optional ? `[${a.name}]` : `<${a.name}>`)).join(" ");
  const out = [`Usage: rivulet ${path}${args ? " " + args : ""} [flags]`, "", command.summary];
  if (command.args?.length) out.push("", "Arguments:", columns(command.args.map((a) => [a.optional ? `[${a.name}]` : `<${a.name}>`, a.description])));
  const flagRows = Object.entries(command.flags).map(([name, spec]): [string, string] => [flagLeft(name, spec), flagRight(spec)]);
  flagRows.push(["-h, --help", "show this help"]);
  out.push("", "Flags:", columns(flagRows));
  for (const paragraph of command.details ?? []) out.push("", paragraph);
  return out.join("\n") + "\n";
}

export function groupHelp(group: CommandGroup): string {
  const out = [`Usage: rivulet ${group.name} <command> [flags]`, "", group.summary, "", "Commands:"];
  out.push(columns(group.commands.map((c) => [c.name, c.summary])));
  out.push("", `Run 'rivulet ${group.name} <command> --help' for a command's flags.`);
  return out.join("\n") + "\n";
}

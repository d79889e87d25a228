#!/usr/bin/env node
// The `rivulet` command: dispatch on the command table, turn every failure into one line and an exit code
// (2: bad command line, 1: anything else), and end only once stdout and stderr are written out. The first
// line stays a plain `env node`: `env -S` (to pass node options there) is GNU and BSD only, and BusyBox's
// env (Alpine, node's alpine images) refuses it, which would break every command.

import { readFileSync } from "node:fs";
import { commandHelp, groupHelp } from "./command.js";
import { commands, isGroup, type Entry } from "./commands.js";
import { reportError, UsageError } from "./errors.js";
import { extractProfileFlag } from "./profiles.js";

function version(): string {
  try {
    const pkg = JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8")) as { version?: string };
    return pkg.version ?? "unknown";
  } catch {
    return "unknown";
  }
}

function topHelp(): string {
  const width = Math.max(...commands.map((c) => c.name.length));
  return [
    "Usage: rivulet <command> [flags]",
    "",
    "Rivulet: a streaming log broker (Kafka-style topics over WebSocket and the Kafka protocol).",
    "",
    "Commands:",
    ...commands.map((c) => `  ${c.name.padEnd(width)}   ${c.summary}`),
    "",
    "Flags:",
    "  -h, --help      show help (also after any command: rivulet topics create --help)",
    "  --version       print the version",
    "",
    "Client commands connect to --broker (env RIVULET_BROKER), else to the profile's broker (--profile NAME,",
    "RIVULET_PROFILE, or `rivulet profile use NAME`), else to ws://127.0.0.1:8080/ws.",
    "",
  ].join("\n");
}

function find(list: Entry[], name: string): Entry | undefined {
  return list.find((c) => c.name === name);
}

async function dispatch(argv: string[]): Promise<number> {
  const [first, ...rest] = argv;
  if (first === undefined) {
    process.stderr.write(topHelp());
    return 2;
  }
  if (first === "--help" || first === "-h" || first === "help") {
    const topic = first === "help" ? rest : [];
    if (topic.length === 0) {
      process.stdout.write(topHelp());
      return 0;
    }
    // `rivulet help topics create` = `rivulet topics create --help`
    return dispatch([...topic, "--help"]);
  }
  if (first === "--version") {
    process.stdout.write(`rivulet ${version()}\n`);
    return 0;
  }
  if (first.startsWith("-")) throw new UsageError(`unknown flag ${first}`);
  const entry = find(commands, first);
  if (!entry) throw new UsageError(`unknown command '${first}'`);
  if (!isGroup(entry)) return entry.invoke(rest, entry.name);

  const [sub, ...subArgs] = rest;
  if (sub === undefined || sub === "--help" || sub === "-h") {
    (sub === undefined ? process.stderr : process.stdout).write(groupHelp(entry));
    return sub === undefined ? 2 : 0;
  }
  const command = find(entry.commands, sub);
  if (!command || isGroup(command)) {
    const error = new UsageError(sub.startsWith("-") ? `unknown flag ${sub}` : `unknown command '${entry.name} ${sub}'`);
    error.command = entry.name;
    throw error;
  }
  return command.invoke(subArgs, `${entry.name} ${command.name}`);
}

/** Waits until what was written to a stream has been handed to the OS (pipes are asynchronous). */
function drained(stream: NodeJS.WriteStream): Promise<void> {
  return new Promise((resolve) => {
    if (stream.destroyed || !stream.writable) return resolve();
    stream.write("", () => resolve());
  });
}

async function main(): Promise<void> {
  // A reader that went away (`rivulet consume t | head`) is not an error: stop quietly.
  process.stdout.on("error", (error: NodeJS.ErrnoException) => {
    if (error.code === "EPIPE") process.exit(0);
    process.exit(1);
  });
  // A failure nothing awaited (a socket error in a background task) still ends with one line, not a trace.
  process.on("unhandledRejection", (error) => {
    process.exitCode = reportError(error);
    process.exit();
  });
  let code: number;
  try {
    // --profile applies to every command: taken out here and passed on as RIVULET_PROFILE.
    const { argv, profile } = extractProfileFlag(process.argv.slice(2));
    if (profile !== undefined) process.env.RIVULET_PROFILE = profile;
    code = await dispatch(argv);
  } catch (error) {
    code = reportError(error);
  }
  await Promise.all([drained(process.stdout), drained(process.stderr)]);
  // Clients may leave sockets closing and worker pools winding down; the command's work is done.
  process.exit(code);
}

void main();

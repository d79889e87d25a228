// How the CLI fails: one line on stderr, `rivulet: <message>`, and an exit code — 2 for a command line we
// cannot understand, 1 for everything else. Stack traces only with RIVULET_DEBUG=1.

import { RivuletError } from "../errors/index.js";

/** The command line is wrong (unknown flag or command, bad value). Exit 2. */
export class UsageError extends Error {
  override name = "UsageError";
  /** Which command's help to point at ("topics create"), if known. */
  command?: string;
}

/** A user-facing failure with a message fit to print as is. Exit 1 (or the code given). */
export class CliError extends Error {
  override name = "CliError";
  constructor(message: string, readonly exitCode = 1) {
    super(message);
  }
}

export const EXIT_OK = 0;
export const EXIT_FAILURE = 1;
export const EXIT_USAGE = 2;

/** Node system errors a user can act on (ECONNREFUSED, EACCES, ENOENT, ...). */
function isSystemError(error: unknown): error is NodeJS.ErrnoException {
  return error instanceof Error && typeof (error as NodeJS.ErrnoException).code === "string" && typeof (error as NodeJS.ErrnoException).syscall === "string";
}

/** The one line to print for an error, and the exit code. */
export function describeError(error: unknown): { line: string; exitCode: number; expected: boolean } {
  if (error instanceof UsageError) {
    const hint = `run 'rivulet ${error.command ? error.command + " " : ""}--help' for usage`;
    return { line: `${error.message} (${hint})`, exitCode: EXIT_USAGE, expected: true };
  }
  if (error instanceof CliError) return { line: error.message, exitCode: error.exitCode, expected: true };
  if (error instanceof RivuletError && error.code === "REQUEST_TIMED_OUT") {
    return { line: `timed out: ${error.message} (set --timeout to wait longer)`, exitCode: EXIT_FAILURE, expected: true };
  }
  if (error instanceof RivuletError) return { line: error.message || error.code, exitCode: EXIT_FAILURE, expected: true };
  if (isSystemError(error)) return { line: error.message, exitCode: EXIT_FAILURE, expected: true };
  const message = error instanceof Error ? error.message : String(error);
  return { line: `internal error: ${message} (set RIVULET_DEBUG=1 for a stack trace)`, exitCode: EXIT_FAILURE, expected: false };
}

/** Prints the error line (and, with RIVULET_DEBUG=1, the stack) and returns the exit code. */
export function reportError(error: unknown, write: (text: string) => void = (t) => process.stderr.write(t)): number {
  const { line, exitCode } = describeError(error);
  write(`rivulet: ${line.replace(/\s*\n\s*/g, " ")}\n`);
  if (process.env.RIVULET_DEBUG && error instanceof Error && error.stack) write(error.stack + "\n");
  return exitCode;
}

// A program run to completion for a test: its exit code and everything it printed.
import { execFile } from "node:child_process";
import { fileURLToPath } from "node:url";

/** The built CLI (`npm run build:ts` makes it). */
export const CLI_MAIN = fileURLToPath(new URL("../../dist/cli/main.js", import.meta.url));

export interface RunResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

export interface RunOptions {
  /** Killed with SIGKILL after this long (default 30 s). */
  timeoutMs?: number;
  /** Written to stdin, which is then closed (closed at once without it). */
  input?: string;
  /** Added to (and overriding) this process's environment. */
  env?: NodeJS.ProcessEnv;
  cwd?: string;
}

/**
 * Runs `file` to completion; never rejects: check `code` (-1 when the program is missing or was killed).
 * A kill or spawn failure is appended to stderr in brackets, so an assertion on stderr shows why.
 */
export function runProcess(file: string, args: string[], options: RunOptions = {}): Promise<RunResult> {
  return new Promise((resolve) => {
    const child = execFile(
      file,
      args,
      { timeout: options.timeoutMs ?? 30_000, killSignal: "SIGKILL", maxBuffer: 64 * 1024 * 1024, env: { ...process.env, ...options.env }, cwd: options.cwd },
      (error, stdout, stderr) => {
        const code = error ? ((error as NodeJS.ErrnoException & { code?: unknown }).code === "ENOENT" ? -1 : (child.exitCode ?? -1)) : 0;
        resolve({ code, stdout: String(stdout), stderr: String(stderr) + (error && !child.exitCode ? `\n[${error.message}]` : "") });
      },
    );
    if (options.input !== undefined) child.stdin!.end(options.input);
    else child.stdin?.end();
  });
}

/** `rivulet <args>` through the built CLI (killed after 2 minutes by default: the test's own timeout decides). */
export function runCli(args: string[], options: RunOptions = {}): Promise<RunResult> {
  return runProcess(process.execPath, [CLI_MAIN, ...args], { timeoutMs: 120_000, ...options });
}

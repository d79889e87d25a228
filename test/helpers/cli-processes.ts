// Real `rivulet` processes for tests (dist/cli/main.js, so `npm run build:ts` first): a broker started with
// `rivulet serve` on a temp data dir, CLI commands as children, and one cleanup for the file: every child
// is killed by pid and every temp dir removed after its tests.
import { spawn, type ChildProcess, type SpawnOptions } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll } from "vitest";

export const CLI = fileURLToPath(new URL("../../dist/cli/main.js", import.meta.url));

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** A port free right now on 127.0.0.1 (below the ephemeral range is not guaranteed: the kernel picks). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

export interface CliBroker {
  readonly child: ChildProcess;
  /** The WebSocket/HTTP port it listens on (the one asked for, or the kernel's pick for port 0). */
  readonly port: number;
  readonly url: string;
  readonly exited: Promise<unknown>;
  /** Sends `signal` and waits for the process to exit. */
  stop(signal: NodeJS.Signals): Promise<void>;
}

/**
 * Registers the file's cleanup and returns what its tests start processes with. Call once at module level.
 */
export function cliProcesses() {
  const children = new Set<ChildProcess>();
  const dirs: string[] = [];
  beforeAll(() => {
    if (!existsSync(CLI)) throw new Error(`${CLI} is missing: run 'npm run build:ts' first`);
  });
  afterAll(() => {
    for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  });

  /** A temp dir removed after the file's tests. */
  function tempDir(prefix: string): string {
    const dir = mkdtempSync(join(tmpdir(), prefix));
    dirs.push(dir);
    return dir;
  }

  /** `rivulet <args>` as a tracked child process. */
  function run(args: string[], options: SpawnOptions = {}): ChildProcess {
    const child = spawn(process.execPath, [CLI, ...args], options);
    children.add(child);
    return child;
  }

  /**
   * `rivulet serve` on `dataDir` (WebSocket only unless `extra` says otherwise), resolved once it logs that it
   * listens. `port` 0 lets the kernel pick; the chosen port is read from the log line.
   */
  async function serve(dataDir: string, port: number, extra: string[] = []): Promise<CliBroker> {
    const child = run(["serve", "--data-dir", dataDir, "--host", "127.0.0.1", "--port", String(port), "--kafka-port", "-1", ...extra], { stdio: ["ignore", "ignore", "pipe"] });
    const exited = new Promise((resolve) => child.once("exit", resolve));
    const bound = await new Promise<number>((resolve, reject) => {
      let log = "";
      const timer = setTimeout(() => reject(new Error(`broker did not start: ${log}`)), 30_000);
      child.stderr!.setEncoding("utf8").on("data", (d: string) => {
        log += d;
        const line = log.split("\n").find((l) => l.includes('"rivulet listening"'));
        if (line) (clearTimeout(timer), resolve(Number(/"bind":"[^"]*:(\d+)"/.exec(line)![1])));
      });
      child.once("exit", (code) => (clearTimeout(timer), reject(new Error(`broker exited with ${code}: ${log}`))));
    });
    return {
      child,
      port: bound,
      url: `ws://127.0.0.1:${bound}/ws`,
      exited,
      async stop(signal) {
        child.kill(signal);
        await exited;
      },
    };
  }

  return { tempDir, run, serve };
}

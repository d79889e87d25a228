// Brokers and clients as real processes, for the restart/kill suite: `rivulet serve` (dist/) on a temp data
// dir that can be killed with any signal and started again on the same ports; client processes (the CLI,
// a library consumer, kcat, python) whose output, exit and resident memory the tests read. Everything is
// killed, by pid, after the file's tests.
//
// Clients reach the broker through a TCP relay on a fixed port. A broker started on port 0 gets a port in
// the kernel's ephemeral range, and binding that port again fails while the old connections sit in
// TIME_WAIT (measured: a fixed port below the range rebinds at once, a kernel-chosen one does not), so each
// start takes a free port and the relay forwards to it. A dead broker looks to clients exactly as it would
// directly: open connections drop, new ones are closed at once.

import { spawn, type ChildProcess } from "node:child_process";
import { createConnection, createServer, type Server, type Socket } from "node:net";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll } from "vitest";

export const MAIN = fileURLToPath(new URL("../../dist/cli/main.js", import.meta.url));
export const WS_CONSUMER = fileURLToPath(new URL("./ws-consumer-child.mjs", import.meta.url));

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export async function until<T>(what: string, check: () => T | undefined | false, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = check();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(25);
  }
}

/** Resident set size of a process (VmRSS), in bytes; 0 once it has exited. */
export function rssOf(pid: number): number {
  try {
    const status = readFileSync(`/proc/${pid}/status`, "utf8");
    return Number(/VmRSS:\s+(\d+) kB/.exec(status)![1]) * 1024;
  } catch {
    return 0;
  }
}

/** User + system CPU seconds a process has used so far (/proc/<pid>/stat, clock ticks of 10 ms). */
export function cpuSecondsOf(pid: number): number {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]!.split(" ");
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return 0;
  }
}

export interface Proc {
  readonly child: ChildProcess;
  readonly pid: number;
  stdout(): string;
  stderr(): string;
  /** Resolves with the exit code (or 128 + signal number). */
  readonly exited: Promise<number>;
  readonly exitCode: number | undefined;
  /** Highest RSS sampled so far (sampled every 100 ms while it runs). */
  peakRss(): number;
}

export interface BrokerProc {
  readonly wsPort: number;
  readonly kafkaPort: number;
  readonly url: string;
  readonly bootstrap: string;
  readonly dataDir: string;
  readonly proc: Proc;
  /** Stops the broker with `signal` and waits for it to exit. */
  kill(signal: NodeJS.Signals): Promise<void>;
  /** Starts it again on the same data dir and ports (after kill()). */
  start(): Promise<void>;
}

const SIGNALS: Record<string, number> = { SIGINT: 2, SIGKILL: 9, SIGTERM: 15 };

export function processes() {
  const live = new Set<ChildProcess>();
  const dirs: string[] = [];
  const relays: { close(): void }[] = [];
  afterAll(() => {
    for (const r of relays) r.close();
    for (const child of live) if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  });

  function run(file: string, args: string[], options: { env?: NodeJS.ProcessEnv; input?: string } = {}): Proc {
    const child = spawn(file, args, { stdio: ["pipe", "pipe", "pipe"], env: { ...process.env, ...options.env } });
    live.add(child);
    if (options.input !== undefined) child.stdin!.end(options.input);
    else child.stdin!.end();
    let out = "";
    let err = "";
    let peak = 0;
    let code: number | undefined;
    child.stdout!.on("data", (d: Buffer) => (out += d.toString()));
    child.stderr!.on("data", (d: Buffer) => (err += d.toString()));
    const sampler = setInterval(() => (peak = Math.max(peak, rssOf(child.pid!))), 100);
    const exited = new Promise<number>((resolve) =>
      child.on("exit", (c, signal) => {
        clearInterval(sampler);
        code = c ?? 128 + (SIGNALS[signal ?? ""] ?? 0);
        resolve(code);
      }),
    );
    return {
      child,
      pid: child.pid!,
      stdout: () => out,
      stderr: () => err,
      exited,
      get exitCode() {
        return code;
      },
      peakRss: () => Math.max(peak, rssOf(child.pid!)),
    };
  }

  return {
    run,
    /** The `rivulet` CLI. */
    cli(args: string[], options: { input?: string } = {}): Proc {
      return run(process.execPath, [MAIN, ...args], options);
    },
    /** A library consumer in its own process (ws-consumer-child.mjs). */
    wsConsumer(options: Record<string, unknown>): Proc {
      return run(process.execPath, [WS_CONSUMER, JSON.stringify(options)]);
    },
    /** `rivulet serve` on free ports, behind relays (clients use `url` and `bootstrap`, which never change). */
    async broker(): Promise<BrokerProc> {
      const dataDir = mkdtempSync(join(tmpdir(), "rivulet-restart-"));
      dirs.push(dataDir);
      let up: { ws: number; kafka: number } | undefined;
      const wsRelay = await relay(() => up?.ws);
      const kafkaRelay = await relay(() => up?.kafka);
      relays.push(wsRelay, kafkaRelay);
      let proc!: Proc;
      const launch = async () => {
        proc = run(process.execPath, [MAIN, "serve", "--data-dir", dataDir, "--host", "127.0.0.1", "--port", "0", "--kafka-port", "0", "--advertised-port", String(kafkaRelay.port), "--shards", "1", "--log-level", "info"]);
        const line = await until("the broker's 'rivulet listening' line", () => {
          if (proc.exitCode !== undefined) throw new Error(`broker exited with ${proc.exitCode}: ${proc.stderr()}`);
          return proc.stderr().split("\n").find((l) => l.includes("rivulet listening"));
        });
        const info = JSON.parse(line) as { ws: string; bind: string };
        const kafka = /"kafkaPort":(\d+)/.exec(proc.stderr());
        up = { ws: Number(info.bind.split(":").at(-1)), kafka: Number(kafka?.[1] ?? 0) };
      };
      await launch();
      return {
        get wsPort() {
          return wsRelay.port;
        },
        get kafkaPort() {
          return kafkaRelay.port;
        },
        get url() {
          return `ws://127.0.0.1:${wsRelay.port}/ws`;
        },
        get bootstrap() {
          return `127.0.0.1:${kafkaRelay.port}`;
        },
        dataDir,
        get proc() {
          return proc;
        },
        async kill(signal) {
          if (proc.exitCode !== undefined) return;
          proc.child.kill(signal);
          await proc.exited;
          up = undefined;
          // The broker's own sockets are gone; the relayed halves go with them.
          wsRelay.dropAll();
          kafkaRelay.dropAll();
        },
        start: launch,
      };
    },
  };
}

/** A TCP relay from a fixed local port to whatever port `target()` names (undefined: refuse). */
async function relay(target: () => number | undefined): Promise<{ port: number; dropAll(): void; close(): void }> {
  const open = new Set<Socket>();
  const server: Server = createServer((client) => {
    const port = target();
    open.add(client);
    client.on("close", () => open.delete(client));
    client.on("error", () => {});
    if (port === undefined) return void client.destroy();
    const upstream = createConnection({ host: "127.0.0.1", port });
    open.add(upstream);
    upstream.on("close", () => {
      open.delete(upstream);
      client.destroy();
    });
    upstream.on("error", () => client.destroy());
    client.on("close", () => upstream.destroy());
    client.pipe(upstream);
    upstream.pipe(client);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    port: (server.address() as { port: number }).port,
    dropAll: () => {
      for (const socket of open) socket.destroy();
    },
    close: () => {
      for (const socket of open) socket.destroy();
      server.close();
    },
  };
}

/** "<partition> <offset> <value>" lines of a consumer child, parsed. */
export function parseRecords(stdout: string): { partition: number; offset: bigint; value: string }[] {
  return stdout
    .split("\n")
    .filter(Boolean)
    .map((line) => {
      const [p, o, ...rest] = line.split(" ");
      return { partition: Number(p), offset: BigInt(o!), value: rest.join(" ") };
    });
}

/** Asserts-as-data: per partition, offsets strictly consecutive from the first; returns problems found. */
export function gapsAndDuplicates(records: { partition: number; offset: bigint }[]): string[] {
  const problems: string[] = [];
  const last = new Map<number, bigint>();
  for (const r of records) {
    const prev = last.get(r.partition);
    if (prev !== undefined && r.offset !== prev + 1n) problems.push(`p${r.partition}: ${prev} then ${r.offset}`);
    last.set(r.partition, r.offset);
  }
  return problems;
}

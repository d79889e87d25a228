// The peers' servers for bench/peers.bench.ts: Redis (AOF, appendfsync everysec) and NATS with JetStream
// (file store), each a child process on a free loopback port with its own temporary data directory, and
// Rivulet's broker process (bench/lib/server-process.ts) with its data on disk. Every process started here
// is tracked by pid and stopped by `stopAll()` (called from a finally and on SIGINT/SIGTERM).
//
// Setup: a peer whose Debian package is missing is installed with apt-get when running as root outside CI;
// otherwise that peer is skipped with a message (the benchmark still runs the others).
import { execFileSync, spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer, connect as netConnect } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startBrokerProcess, type BrokerProcess } from "../ws/common.js";

export const progress = (message: string) => process.stderr.write(`[peers] ${message}\n`);

interface Tracked {
  name: string;
  stop(): Promise<void>;
  /** Synchronous last resort (process exit): SIGKILL, no waiting. */
  kill(): void;
  dir: string;
}
const running = new Set<Tracked>();

/** Stops every server this module started (by pid) and removes its data directory. */
export async function stopAll(): Promise<void> {
  const all = [...running];
  running.clear();
  await Promise.all(
    all.map(async (t) => {
      await t.stop().catch((error: unknown) => progress(`stopping ${t.name}: ${String(error)}`));
      rmSync(t.dir, { recursive: true, force: true });
    }),
  );
}

let signalsHooked = false;
function hookSignals(): void {
  if (signalsHooked) return;
  signalsHooked = true;
  for (const signal of ["SIGINT", "SIGTERM"] as const) {
    process.once(signal, () => {
      progress(`${signal}: stopping the servers`);
      void stopAll().finally(() => process.exit(130));
    });
  }
  // A crash (an unhandled rejection exits without running any finally) must not leave servers behind.
  process.once("exit", () => {
    for (const t of running) {
      t.kill();
      rmSync(t.dir, { recursive: true, force: true });
    }
  });
}

function onPath(command: string): boolean {
  try {
    execFileSync("sh", ["-c", `command -v ${command}`], { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
}

/**
 * Makes sure `command` exists, installing Debian `pkg` when it is missing and this process may (root, not
 * CI). Returns a reason to skip the peer, or undefined when it is ready.
 */
export function ensurePackage(command: string, pkg: string): string | undefined {
  if (onPath(command)) return undefined;
  if (process.env.CI) return `${command} not found and CI is set: not installing ${pkg}; skipped`;
  if (process.getuid?.() !== 0) return `${command} not found; run as root (or apt-get install ${pkg}) to include it; skipped`;
  progress(`${command} not found: apt-get install -y ${pkg}`);
  try {
    execFileSync("apt-get", ["install", "-y", "--no-install-recommends", pkg], { stdio: ["ignore", "inherit", "inherit"], env: { ...process.env, DEBIAN_FRONTEND: "noninteractive" } });
  } catch (error) {
    return `apt-get install ${pkg} failed (${String(error)}); skipped`;
  }
  return onPath(command) ? undefined : `${pkg} installed but ${command} is still not on PATH; skipped`;
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const port = (server.address() as { port: number }).port;
      server.close(() => resolve(port));
    });
  });
}

async function waitForPort(port: number, child: ChildProcess, name: string, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`${name} exited with ${child.exitCode} before listening`);
    const open = await new Promise<boolean>((resolve) => {
      const socket = netConnect(port, "127.0.0.1");
      socket.once("connect", () => (socket.destroy(), resolve(true)));
      socket.once("error", () => resolve(false));
    });
    if (open) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`${name} did not listen on ${port} within ${timeoutMs} ms`);
}

function track(name: string, child: ChildProcess, dir: string): Tracked {
  const exited = new Promise<void>((resolve) => (child.exitCode !== null ? resolve() : child.once("exit", () => resolve())));
  const tracked: Tracked = {
    name,
    dir,
    kill: () => void (child.exitCode === null && child.pid && process.kill(child.pid, "SIGKILL")),
    async stop() {
      if (child.exitCode === null && child.pid) process.kill(child.pid, "SIGTERM");
      const timer = setTimeout(() => child.pid && child.exitCode === null && process.kill(child.pid, "SIGKILL"), 10_000);
      await exited;
      clearTimeout(timer);
    },
  };
  running.add(tracked);
  hookSignals();
  return tracked;
}

export interface PeerServer {
  name: string;
  port: number;
  pid: number;
  dataDir: string;
}

/** redis-server with AOF on, fsync every second, no RDB snapshots. */
export async function startRedis(): Promise<PeerServer> {
  const dataDir = mkdtempSync(join(tmpdir(), "peers-redis-"));
  const port = await freePort();
  const args = ["--port", String(port), "--bind", "127.0.0.1", "--dir", dataDir, "--appendonly", "yes", "--appendfsync", "everysec", "--save", "", "--daemonize", "no", "--protected-mode", "no", "--loglevel", "warning"];
  const child = spawn("redis-server", args, { stdio: ["ignore", "ignore", "inherit"] });
  track("redis", child, dataDir);
  await waitForPort(port, child, "redis-server");
  return { name: "redis", port, pid: child.pid!, dataDir };
}

/** nats-server with JetStream, its file store in a temporary directory. */
export async function startNats(): Promise<PeerServer> {
  const dataDir = mkdtempSync(join(tmpdir(), "peers-nats-"));
  const port = await freePort();
  const config = join(dataDir, "nats.conf");
  writeFileSync(config, `listen: "127.0.0.1:${port}"\nlogfile: "${join(dataDir, "nats.log")}"\nmax_payload: 8MB\njetstream {\n  store_dir: "${join(dataDir, "js")}"\n  max_file_store: 20GB\n  max_memory_store: 256MB\n}\n`);
  const child = spawn("nats-server", ["-c", config], { stdio: ["ignore", "ignore", "inherit"] });
  track("nats", child, dataDir);
  await waitForPort(port, child, "nats-server");
  return { name: "nats", port, pid: child.pid!, dataDir };
}

/** Rivulet's broker in its own process (Kafka listener on), data under a temporary directory. */
export async function startRivulet(): Promise<BrokerProcess & { dataDir: string }> {
  const dataDir = mkdtempSync(join(tmpdir(), "peers-rivulet-"));
  const broker = await startBrokerProcess(dataDir, { kafka: true });
  running.add({ name: "rivulet", dir: dataDir, stop: () => broker.stop(), kill: () => void process.kill(broker.pid, "SIGKILL") });
  hookSignals();
  return { ...broker, dataDir };
}

// Shared pieces of bench/ws.bench.ts: the broker child process, the client code loaded from dist/ (the same
// build the CLI runs), and progress lines on stderr.
import { spawn, type ChildProcess } from "node:child_process";
import { readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { BROKER_NODE_FLAGS } from "../../src/cli/node-flags.js";

/** The repository root: this file runs as build/bench/bench/ws/common.js. */
export const repoRoot = fileURLToPath(new URL("../../../..", import.meta.url));

export async function loadDist<T>(path: string): Promise<T> {
  return (await import(new URL(path, `file://${repoRoot}`).href)) as T;
}

export function progress(message: string): void {
  process.stderr.write(`[ws] ${message}\n`);
}

/** Source files newer than their dist/ build (a stale build would measure old code). */
export function staleDistFiles(dirs = ["src/client", "src/cli", "src/frontends", "src/protocol", "src/broker", "src/shard"]): string[] {
  const stale: string[] = [];
  const walk = (dir: string) => {
    for (const name of readdirSync(join(repoRoot, dir))) {
      const path = join(dir, name);
      if (statSync(join(repoRoot, path)).isDirectory()) walk(path);
      else if (name.endsWith(".ts")) {
        const built = join(repoRoot, "dist", path.slice("src/".length).replace(/\.ts$/, ".js"));
        try {
          if (statSync(built).mtimeMs < statSync(join(repoRoot, path)).mtimeMs) stale.push(path);
        } catch {
          stale.push(path);
        }
      }
    }
  };
  for (const dir of dirs) walk(dir);
  return stale;
}

export interface BrokerProcess {
  url: string;
  /** The Kafka listener's port, -1 unless started with `kafka: true`. */
  kafkaPort: number;
  pid: number;
  stop(): Promise<void>;
}

/**
 * The node options `rivulet serve` runs with (src/cli/node-flags.ts), which every benchmark's broker process
 * gets too; BENCH_PLAIN_NODE=1 leaves them out, to measure what they change.
 */
export function brokerNodeFlags(): readonly string[] {
  return process.env.BENCH_PLAIN_NODE === "1" ? [] : BROKER_NODE_FLAGS;
}

/**
 * Starts bench/lib/server-process.js in a child process with the node options `rivulet serve` runs with;
 * `nodeArgs` adds more, e.g. ["--cpu-prof", "--cpu-prof-dir", dir].
 */
export async function startBrokerProcess(dataDir: string, options: { nodeArgs?: string[]; shards?: number; kafka?: boolean } = {}): Promise<BrokerProcess> {
  const script = fileURLToPath(new URL("../lib/server-process.js", import.meta.url));
  const args = [...brokerNodeFlags(), ...(options.nodeArgs ?? []), script, dataDir, ...(options.shards ? [String(options.shards)] : []), ...(options.kafka ? ["--kafka"] : [])];
  const child: ChildProcess = spawn(process.execPath, args, { stdio: ["ignore", "pipe", "inherit"] });
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  const ready = await new Promise<{ port: number; kafkaPort: number }>((resolve, reject) => {
    const lines = createInterface({ input: child.stdout! });
    lines.once("line", (line) => resolve(JSON.parse(line) as { port: number; kafkaPort: number }));
    child.once("exit", (code) => reject(new Error(`broker process exited with ${code} before listening`)));
  });
  return {
    url: `ws://127.0.0.1:${ready.port}/ws`,
    kafkaPort: ready.kafkaPort,
    pid: child.pid!,
    async stop() {
      child.kill("SIGTERM");
      const timer = setTimeout(() => child.kill("SIGKILL"), 30_000);
      await exited;
      clearTimeout(timer);
    },
  };
}

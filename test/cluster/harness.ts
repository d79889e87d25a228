// A real cluster on one machine for the cluster tests: Debian's etcd and `rivulet serve --cluster`
// brokers (dist/) as child processes on free ports with temporary data dirs, killed by pid afterwards.
// Short lease TTL (2 s) and replica lag (2 s) keep each test's wall time small.

import { execFile, spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type { Kafka } from "kafkajs";
import { afterAll, beforeAll } from "vitest";

export const MAIN = fileURLToPath(new URL("../../dist/cli/main.js", import.meta.url));
export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

export async function until<T>(what: string, check: () => T | undefined | false | Promise<T | undefined | false>, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(50);
  }
}

/** A free port below the ephemeral range (rebinds at once after a kill, no TIME_WAIT trouble). */
export async function freePort(): Promise<number> {
  for (;;) {
    const port = 20000 + Math.floor(Math.random() * 12000);
    const ok = await new Promise<boolean>((resolve) => {
      const s = createServer();
      s.once("error", () => resolve(false));
      s.listen(port, "127.0.0.1", () => s.close(() => resolve(true)));
    });
    if (ok) return port;
  }
}

export class Child {
  out = "";
  exited: Promise<number>;
  constructor(readonly child: ChildProcess) {
    child.stdout?.on("data", (d: Buffer) => (this.out += d.toString()));
    child.stderr?.on("data", (d: Buffer) => (this.out += d.toString()));
    this.exited = new Promise((resolve) => child.on("exit", (code, signal) => resolve(code ?? 128 + (signal === "SIGKILL" ? 9 : 15))));
  }
  get pid(): number {
    return this.child.pid!;
  }
  alive(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }
  async kill(signal: NodeJS.Signals = "SIGKILL"): Promise<void> {
    if (!this.alive()) return;
    this.child.kill(signal);
    await this.exited;
  }
}

const dirs: string[] = [];
const children: Child[] = [];

export function tempDir(name: string): string {
  const dir = mkdtempSync(join(tmpdir(), `rivulet-cluster-${name}-`));
  dirs.push(dir);
  return dir;
}

export class Etcd {
  proc!: Child;
  readonly dir = tempDir("etcd");
  constructor(readonly clientPort: number, readonly peerPort: number) {}
  get url(): string {
    return `etcd://127.0.0.1:${this.clientPort}`;
  }
  static async start(): Promise<Etcd> {
    const etcd = new Etcd(await freePort(), await freePort());
    await etcd.start();
    return etcd;
  }
  async start(): Promise<void> {
    const client = `http://127.0.0.1:${this.clientPort}`;
    const peer = `http://127.0.0.1:${this.peerPort}`;
    this.proc = track(new Child(spawn("etcd", [
      "--name", "n1", "--data-dir", this.dir, "--listen-client-urls", client, "--advertise-client-urls", client,
      "--listen-peer-urls", peer, "--initial-advertise-peer-urls", peer, "--initial-cluster", `n1=${peer}`, "--log-level", "warn",
    ], { stdio: ["ignore", "pipe", "pipe"] })));
    await until("etcd ready", async () => {
      try {
        const res = await fetch(`${client}/health`);
        return res.ok && ((await res.json()) as { health: string }).health === "true";
      } catch {
        return false;
      }
    }, 15_000);
  }
}

export interface BrokerOptions {
  minIsr?: number;
  rf?: number;
  extra?: string[];
  /** An existing data dir (a broker that ran before); default: a fresh temp dir. */
  dataDir?: string;
  /** Extra environment of the broker process (e.g. a fault injection); read at each start. */
  env?: Record<string, string>;
}

export class ClusterBroker {
  proc!: Child;
  readonly dataDir: string;
  constructor(readonly id: number, readonly etcd: Etcd, readonly wsPort: number, readonly kafkaPort: number, readonly options: BrokerOptions) {
    this.dataDir = options.dataDir ?? tempDir(`b${id}`);
  }
  get bootstrap(): string {
    return `127.0.0.1:${this.kafkaPort}`;
  }
  get wsUrl(): string {
    return `ws://127.0.0.1:${this.wsPort}`;
  }
  static async start(id: number, etcd: Etcd, options: BrokerOptions = {}): Promise<ClusterBroker> {
    const b = new ClusterBroker(id, etcd, await freePort(), await freePort(), options);
    await b.start();
    return b;
  }
  async start(): Promise<void> {
    const args = [
      MAIN, "serve", "--data-dir", this.dataDir, "--port", String(this.wsPort), "--kafka-port", String(this.kafkaPort), "--shards", "1",
      "--cluster", this.etcd.url, "--broker-id", String(this.id), "--lease-ttl", "2", "--replica-lag-time-max-ms", "2000",
      "--default-replication-factor", String(this.options.rf ?? 3), "--min-insync-replicas", String(this.options.minIsr ?? 1), ...(this.options.extra ?? []),
    ];
    this.proc = track(new Child(spawn(process.execPath, args, { stdio: ["ignore", "pipe", "pipe"], ...(this.options.env ? { env: { ...process.env, ...this.options.env } } : {}) })));
    await until(`broker ${this.id} joined`, () => {
      if (!this.proc.alive()) throw new Error(`broker ${this.id} exited:\n${this.proc.out}`);
      return this.proc.out.includes("cluster node started");
    }, 30_000);
  }
  async kill(signal: NodeJS.Signals = "SIGKILL"): Promise<void> {
    await this.proc.kill(signal);
  }
}

function track(c: Child): Child {
  children.push(c);
  return c;
}

/** Kills every child (by pid) and removes the temp dirs: call from afterAll. */
export async function cleanup(): Promise<void> {
  for (const c of children) {
    if (c.alive()) c.child.kill("SIGCONT");
    await c.kill("SIGKILL");
  }
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
}

/** The cluster's view from etcd, via `rivulet cluster status --json`-like reads (the metadata keys). */
export async function etcdGet(etcd: Etcd, prefix: string): Promise<Record<string, string>> {
  const { Etcd3 } = await import("etcd3");
  const client = new Etcd3({ hosts: `http://127.0.0.1:${etcd.clientPort}` });
  try {
    return await client.getAll().prefix(prefix).strings();
  } finally {
    client.close();
  }
}

/**
 * Credentials for the replication port (cluster-secret.ts, replica-auth.ts): the cluster's secret read from
 * etcd as a broker reads it, proved in the name of `brokerId` (default 999, no broker of the tests).
 */
export async function replicationCredentials(etcd: Etcd, brokerId = 999): Promise<{ secret: Buffer; brokerId: number }> {
  const key = "/rivulet/replication_secret";
  const value = (await etcdGet(etcd, key))[key];
  if (!value) throw new Error(`no ${key} in etcd`);
  return { secret: Buffer.from(value, "base64"), brokerId };
}

export async function partitionState(etcd: Etcd, topic: string, p: number): Promise<{ leader: number; leaderEpoch: number; isr: number[] } | undefined> {
  const all = await etcdGet(etcd, `/rivulet/partitions/${topic}/${p}`);
  const v = all[`/rivulet/partitions/${topic}/${p}`];
  return v ? (JSON.parse(v) as { leader: number; leaderEpoch: number; isr: number[] }) : undefined;
}

/** A topic partition's assigned replicas, as stored in etcd. */
export async function replicasOf(etcd: Etcd, topic: string, p = 0): Promise<number[]> {
  const all = await etcdGet(etcd, `/rivulet/topics/${topic}`);
  return (JSON.parse(all[`/rivulet/topics/${topic}`]!) as { replicas: number[][] }).replicas[p]!;
}

/** Runs the `rivulet` CLI to completion; never rejects (killed by `timeout` or a signal, or not started: code 99). */
export function cli(args: string[], timeout = 90_000): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [MAIN, ...args], { timeout }, (error, stdout, stderr) => resolve({ code: error ? (typeof error.code === "number" ? error.code : 99) : 0, stdout, stderr }));
  });
}

/** The same ids in the same order. */
export function sameList(a: number[], b: number[]): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

/**
 * Reads partition 0 of `topic` from the start, in a new group, until `count` distinct values have arrived;
 * returns every value read, duplicates included (a caller checking for none can).
 */
export async function readValues(kafka: Kafka, topic: string, count: number): Promise<string[]> {
  const consumer = kafka.consumer({ groupId: `read-${topic}-${Date.now()}` });
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  const got: string[] = [];
  const distinct = new Set<string>();
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`read ${distinct.size} distinct of ${count}`)), 30_000);
    void consumer.run({
      eachMessage: async ({ message }) => {
        got.push(String(message.value));
        distinct.add(String(message.value));
        if (distinct.size >= count) {
          clearTimeout(timer);
          resolve();
        }
      },
    });
  });
  await consumer.disconnect();
  return got;
}

export interface ClusterFixtureOptions {
  /** Broker ids started in order (default 1, 2, 3). */
  ids?: number[];
  /** Options for every broker, or per broker id. */
  broker?: BrokerOptions | ((id: number) => BrokerOptions);
  /** Starts the brokers instead of the default loop (push them to `cluster.brokers`); etcd is up by then. */
  start?: (cluster: ClusterFixture) => Promise<void>;
  /** Runs in afterAll before the processes are killed (close proxies, connections). */
  stop?: () => void | Promise<void>;
  /** Lines of each broker's output printed at the end when CLUSTER_DEBUG is set (default 40). */
  debugLines?: number;
  /** beforeAll's timeout (default 60 s). */
  timeoutMs?: number;
}

export interface ClusterFixture {
  /** The etcd the brokers share (set once beforeAll ran). */
  readonly etcd: Etcd;
  /** The started brokers, in start order; tests may push more (they are cleaned up all the same). */
  readonly brokers: ClusterBroker[];
  /** The broker with this id. */
  broker(id: number): ClusterBroker;
}

/**
 * The common preamble of the cluster tests, registered as the file's beforeAll/afterAll: etcd and brokers
 * (1, 2, 3 by default) started before the tests, every process killed and every temp dir removed after
 * them, with each broker's last lines printed first when CLUSTER_DEBUG is set.
 */
export function clusterFixture(options: ClusterFixtureOptions = {}): ClusterFixture {
  let etcd: Etcd | undefined;
  const brokers: ClusterBroker[] = [];
  const fixture: ClusterFixture = {
    get etcd() {
      if (!etcd) throw new Error("clusterFixture: etcd is not started (used outside a test?)");
      return etcd;
    },
    brokers,
    broker(id) {
      const b = brokers.find((x) => x.id === id);
      if (!b) throw new Error(`clusterFixture: no broker ${id}`);
      return b;
    },
  };
  beforeAll(async () => {
    etcd = await Etcd.start();
    if (options.start) return options.start(fixture);
    for (const id of options.ids ?? [1, 2, 3]) {
      const brokerOptions = typeof options.broker === "function" ? options.broker(id) : options.broker;
      brokers.push(await ClusterBroker.start(id, etcd, brokerOptions));
    }
  }, options.timeoutMs ?? 60_000);
  afterAll(async () => {
    if (process.env.CLUSTER_DEBUG) {
      for (const b of brokers) console.log(`---- broker ${b.id}\n` + b.proc.out.split("\n").filter((l) => !l.includes('"debug"')).slice(-(options.debugLines ?? 40)).join("\n"));
    }
    await options.stop?.();
    await cleanup();
  });
  return fixture;
}

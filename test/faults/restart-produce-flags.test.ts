// `rivulet produce` with the kcat flags (-D, -K, -H, -Z, -z zstd, --timestamp-delimiter, --idempotent)
// while its broker is killed with SIGKILL and restarted on the same port and data directory: the command
// says once that it lost the broker, resumes, and exits 0 with every record stored once, in order, with its
// key, header, timestamp and tombstone intact. Everything is a real process. Needs `npm run build:ts` first.
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { connect } from "../../src/client/index.js";

const cli = fileURLToPath(new URL("../../dist/cli/main.js", import.meta.url));
const children = new Set<ChildProcess>();
const dirs: string[] = [];

beforeAll(() => {
  if (!existsSync(cli)) throw new Error(`${cli} is missing: run 'npm run build:ts' first`);
});
afterAll(() => {
  for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

async function serve(port: number, dataDir: string): Promise<{ child: ChildProcess; exited: Promise<unknown> }> {
  const child = spawn(process.execPath, [cli, "serve", "--data-dir", dataDir, "--host", "127.0.0.1", "--port", String(port), "--kafka-port", "-1", "--shards", "1"], { stdio: ["ignore", "ignore", "pipe"] });
  children.add(child);
  const exited = new Promise((resolve) => child.once("exit", resolve));
  await new Promise<void>((resolve, reject) => {
    let log = "";
    const timer = setTimeout(() => reject(new Error(`broker did not start: ${log}`)), 30_000);
    child.stderr!.setEncoding("utf8").on("data", (d: string) => {
      log += d;
      if (log.includes("rivulet listening")) (clearTimeout(timer), resolve());
    });
    child.once("exit", (code) => reject(new Error(`broker exited with ${code}: ${log}`)));
  });
  return { child, exited };
}

async function logEnd(url: string, topic: string): Promise<bigint> {
  const client = await connect({ url, reconnect: false });
  try {
    const [meta] = await client.admin.metadata([topic]);
    return meta!.partitions[0]!.logEndOffset;
  } finally {
    client.close();
  }
}

const N = 4000;
const T0 = 1_600_000_000_000;
/** Record i as the input gives it: "<ms>,<key>\t<value>", every 10th with an empty value (a tombstone with -Z). */
const input = (i: number) => `${T0 + i},k${i}\t${i % 10 === 0 ? "" : `value ${i} `.repeat(3)}`;
const expected = (i: number) => `${T0 + i}|k${i}|${i % 10 === 0 ? "NULL" : `value ${i} `.repeat(3)}|src=restart,run=NULL`;

describe("rivulet produce with kcat flags across a broker restart", () => {
  it("SIGKILL mid-produce, the broker comes back: exit 0, every record once, in order, fields intact", async () => {
    const port = await freePort();
    const dataDir = mkdtempSync(join(tmpdir(), "rivulet-flags-restart-"));
    dirs.push(dataDir);
    const url = `ws://127.0.0.1:${port}/ws`;
    const broker = await serve(port, dataDir);
    const admin = await connect({ url, reconnect: false });
    await admin.admin.createTopic("flags", { partitions: 1 });
    admin.close();

    const args = ["produce", "flags", "--broker", url, "-D", "\\x1e", "-K", "\\t", "-H", "src=restart", "-H", "run", "-Z", "-z", "zstd", "--timestamp-delimiter", ",", "--idempotent", "--linger-ms", "2"];
    const child = spawn(process.execPath, [cli, ...args], { stdio: ["pipe", "ignore", "pipe"] });
    children.add(child);
    let stderr = "";
    child.stderr!.setEncoding("utf8").on("data", (d: string) => (stderr += d));
    const exited = new Promise<number | null>((resolve) => child.once("exit", resolve));
    const write = (from: number, to: number) => child.stdin!.write(Array.from({ length: to - from }, (_, k) => input(from + k) + "\x1e").join(""));

    // The first half, stored before the kill; the second half arrives while the broker is away.
    write(0, N / 2);
    for (let i = 0; i < 300 && (await logEnd(url, "flags")) < BigInt(N / 2); i++) await sleep(100);
    expect(await logEnd(url, "flags")).toBe(BigInt(N / 2));
    broker.child.kill("SIGKILL");
    await broker.exited;
    write(N / 2, N);
    child.stdin!.end();
    await sleep(1500);
    const again = await serve(port, dataDir);

    const code = await exited;
    expect(code, stderr).toBe(0);
    const notes = stderr.split("\n").filter((l) => l.startsWith("rivulet: "));
    expect(notes.filter((l) => l.includes("retrying for up to"))).toHaveLength(1);
    expect(notes).toContain(`rivulet: the broker at ${url} is back; resuming`);

    const read = spawn(process.execPath, [cli, "consume", "flags", "--broker", url, "-Z", "--template", "%T|%k|%s|%h\\n"], { stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    read.stdout!.setEncoding("utf8").on("data", (d: string) => (out += d));
    expect(await new Promise((resolve) => read.once("exit", resolve))).toBe(0);
    const lines = out.trimEnd().split("\n");
    expect(lines.length).toBe(N);
    expect(lines).toEqual(Array.from({ length: N }, (_, i) => expected(i)));
    again.child.kill("SIGTERM");
    await again.exited;
  }, 120_000);
});

// The built `rivulet` command, run as a user runs it (node dist/cli/main.js, in a child process) against a
// real server. Needs `npm run build:ts` first.

import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runCli, type RunResult } from "../helpers/run-process.js";
import { startServer, type RivuletServer } from "../../src/server.js";

const root = fileURLToPath(new URL("../..", import.meta.url));
const cli = join(root, "dist", "cli", "main.js");

function run(args: string[], options: { input?: string; env?: NodeJS.ProcessEnv } = {}): Promise<RunResult> {
  return runCli(args, { cwd: root, input: options.input ?? "", env: { RIVULET_BROKER: broker, ...options.env } });
}

/** stderr without the JSON log lines a server writes. */
function messages(stderr: string): string[] {
  return stderr.split("\n").filter((l) => l && !l.startsWith("{"));
}

let server: RivuletServer;
let broker = "";
const dirs: string[] = [];
const tempDir = () => {
  const dir = mkdtempSync(join(tmpdir(), "rivulet-cli-"));
  dirs.push(dir);
  return dir;
};

beforeAll(async () => {
  if (!existsSync(cli)) throw new Error(`${cli} is missing: run 'npm run build:ts' first`);
  // No initial rebalance delay: a lone group member is assigned at once.
  server = await startServer({ dataDir: tempDir(), host: "127.0.0.1", port: 0, kafkaPort: -1, shards: 1, logLevel: "error", groups: { initialRebalanceDelayMs: 0 } });
  broker = `ws://127.0.0.1:${server.port}/ws`;
});

afterAll(async () => {
  await server?.close();
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

describe("rivulet CLI", () => {
  it("prints help for every command and exits 0", async () => {
    const top = await run(["--help"]);
    expect(top.code).toBe(0);
    expect(top.stdout).toMatch(/Usage: rivulet <command>/);
    for (const name of ["serve", "topics", "produce", "consume", "bench"]) expect(top.stdout).toContain(`  ${name}`);
    for (const args of [["topics", "create", "--help"], ["consume", "-h"], ["serve", "--help"], ["bench", "e2e", "--help"], ["topics", "--help"], ["help", "produce"]]) {
      const r = await run(args);
      expect(r.code, args.join(" ")).toBe(0);
      expect(r.stdout, args.join(" ")).toMatch(/^Usage: rivulet /);
    }
    const create = await run(["topics", "create", "--help"]);
    expect(create.stdout).toContain("--partitions N");
    expect(create.stdout).toContain("env RIVULET_BROKER");
  });

  it("rejects unknown flags and commands with one line and exit 2", async () => {
    for (const args of [["topics", "create", "t", "--bogus"], ["nope"], ["topics", "frobnicate"], ["consume"], ["consume", "t", "--format", "xml"], ["topics", "create", "t", "--partitions", "two"]]) {
      const r = await run(args);
      expect(r.code, args.join(" ")).toBe(2);
      expect(r.stderr.trimEnd().split("\n"), args.join(" ")).toHaveLength(1);
      expect(r.stderr, args.join(" ")).toMatch(/^rivulet: /);
      expect(r.stdout).toBe("");
    }
    expect((await run(["topics", "create", "t", "--bogus"])).stderr).toBe("rivulet: unknown flag --bogus (run 'rivulet topics create --help' for usage)\n");
  });

  it("creates, lists, describes and deletes topics", async () => {
    const created = await run(["topics", "create", "cli-orders", "--partitions", "3", "--config", "retention.ms=3600000"]);
    expect(created).toMatchObject({ code: 0, stderr: "" });
    expect((await run(["topics", "create", "cli-audit", "--broker", broker.replace(/^ws:\/\//, "").replace(/\/ws$/, "")])).code).toBe(0);

    const again = await run(["topics", "create", "cli-orders"]);
    expect(again.code).toBe(1);
    expect(again.stderr).toBe("rivulet: topic cli-orders already exists\n");
    expect((await run(["topics", "create", "cli-orders", "--if-not-exists"])).code).toBe(0);

    const list = await run(["topics", "list"]);
    expect(list.code).toBe(0);
    expect(list.stdout.split("\n")).toEqual(expect.arrayContaining(["cli-audit", "cli-orders"]));

    const describe = await run(["topics", "describe", "cli-orders"]);
    expect(describe.code).toBe(0);
    expect(describe.stdout).toMatch(/PARTITION\s+LOG START\s+LOG END/);
    expect(describe.stdout.match(/^\s+[012]\s+0\s+0\s+0$/gm)).toHaveLength(3);
    expect(describe.stdout).toMatch(/^retention\.ms\s+3600000\s+topic$/m);
    expect(describe.stdout).toMatch(/^segment\.bytes\s+\d+\s+default$/m);

    const deleted = await run(["topics", "delete", "cli-audit"]);
    expect(deleted).toMatchObject({ code: 0, stdout: "deleted topic cli-audit\n" });
    expect((await run(["topics", "list"])).stdout.split("\n")).not.toContain("cli-audit");
  });

  it("fails with one line for an unknown topic or an unreachable broker", async () => {
    for (const args of [["topics", "describe", "no-such-topic"], ["consume", "no-such-topic"], ["produce", "no-such-topic"], ["topics", "delete", "no-such-topic"]]) {
      const r = await run(args, { input: "x\n" });
      expect(r.code, args.join(" ")).toBe(1);
      expect(r.stderr, args.join(" ")).toBe("rivulet: unknown topic 'no-such-topic'\n");
    }
    const down = await run(["topics", "list", "--broker", "ws://127.0.0.1:1/ws"]);
    expect(down.code).toBe(1);
    expect(down.stderr).toMatch(/^rivulet: cannot connect to the broker at ws:\/\/127\.0\.0\.1:1\/ws: nothing is listening.*\n$/);
  });

  it("produces lines (key separator, CRLF, last line without newline) and consumes them in every format", async () => {
    expect((await run(["topics", "create", "cli-kv"])).code).toBe(0);
    const produced = await run(["produce", "cli-kv", "--key-separator", ":"], { input: "k1:v1\nk2:v:2\r\nno-key\n:empty-key\nk5:last" });
    expect(produced).toMatchObject({ code: 0, stdout: "", stderr: "" });

    const values = await run(["consume", "cli-kv"]);
    expect(values).toMatchObject({ code: 0, stdout: "v1\nv:2\nno-key\nempty-key\nlast\n" });

    const kv = await run(["consume", "cli-kv", "--format", "kv"]);
    expect(kv.stdout).toBe("k1=v1\nk2=v:2\nno-key\n=empty-key\nk5=last\n");
    const kvSep = await run(["consume", "cli-kv", "--format", "kv", "--key-separator", "\t"]);
    expect(kvSep.stdout.split("\n")[0]).toBe("k1\tv1");

    const json = await run(["consume", "cli-kv", "--format", "json", "--max-messages", "3"]);
    expect(json.code).toBe(0);
    const records = json.stdout.trimEnd().split("\n").map((l) => JSON.parse(l));
    expect(records).toHaveLength(3);
    expect(records[0]).toMatchObject({ topic: "cli-kv", partition: 0, offset: "0", key: "k1", value: "v1", headers: [] });
    expect(typeof records[0].timestamp).toBe("number");
    expect(records[2]).toMatchObject({ offset: "2", key: null, value: "no-key" });

    const two = await run(["consume", "cli-kv", "--max-messages", "2", "--from", "3"]);
    expect(two.stdout).toBe("empty-key\nlast\n");
    const last = await run(["consume", "cli-kv", "--from", "-1"]);
    expect(last.stdout).toBe("last\n");
    const latest = await run(["consume", "cli-kv", "--from", "latest"]);
    expect(latest).toMatchObject({ code: 0, stdout: "" });
  });

  it("marks values that are not UTF-8 as base64 in JSON output", async () => {
    expect((await run(["topics", "create", "cli-bin"])).code).toBe(0);
    const { connect } = await import("../../src/client/index.js");
    const client = await connect({ url: broker });
    try {
      await client.producer().send({ topic: "cli-bin", key: new Uint8Array([0xff, 0xfe]), value: "ok", headers: [{ key: "h", value: new Uint8Array([0xc3]) }] });
    } finally {
      client.close();
    }
    const json = await run(["consume", "cli-bin", "--format", "json"]);
    expect(JSON.parse(json.stdout)).toMatchObject({ key: "//4=", keyEncoding: "base64", value: "ok", headers: [{ key: "h", value: "ww==", valueEncoding: "base64" }] });
  });

  it("consumes from a timestamp (@ms and @ISO date)", async () => {
    expect((await run(["topics", "create", "cli-time", "--partitions", "2"])).code).toBe(0);
    expect((await run(["produce", "cli-time", "--key-separator", "="], { input: "a=old-1\nb=old-2\n" })).code).toBe(0);
    await new Promise((r) => setTimeout(r, 50));
    const cut = Date.now();
    await new Promise((r) => setTimeout(r, 50));
    expect((await run(["produce", "cli-time", "--key-separator", "="], { input: "a=new-1\nb=new-2\n" })).code).toBe(0);

    const fromMs = await run(["consume", "cli-time", "--from", `@${cut}`]);
    expect(fromMs.code).toBe(0);
    expect(fromMs.stdout.trimEnd().split("\n").sort()).toEqual(["new-1", "new-2"]);
    const fromIso = await run(["consume", "cli-time", "--from", `@${new Date(cut).toISOString()}`, "--format", "json"]);
    expect(fromIso.stdout.trimEnd().split("\n").map((l) => JSON.parse(l).value).sort()).toEqual(["new-1", "new-2"]);
    const future = await run(["consume", "cli-time", "--from", `@${cut + 3_600_000}`]);
    expect(future).toMatchObject({ code: 0, stdout: "" });
    const bad = await run(["consume", "cli-time", "--from", "@yesterday"]);
    expect(bad.code).toBe(2);
  });

  it("stops quietly when stdout closes early (consume | head)", async () => {
    expect((await run(["topics", "create", "cli-many"])).code).toBe(0);
    const lines = Array.from({ length: 20_000 }, (_, i) => `line-${i}`).join("\n");
    expect((await run(["produce", "cli-many"], { input: lines })).code).toBe(0);
    const r = await new Promise<RunResult>((resolve) => {
      const child = spawn("bash", ["-c", `set -o pipefail; "${process.execPath}" "${cli}" consume cli-many --broker ${broker} | head -n 2`]);
      let stdout = "";
      let stderr = "";
      child.stdout.setEncoding("utf8").on("data", (d: string) => (stdout += d));
      child.stderr.setEncoding("utf8").on("data", (d: string) => (stderr += d));
      child.on("close", (code) => resolve({ code, stdout, stderr }));
    });
    expect(r).toEqual({ code: 0, stdout: "line-0\nline-1\n", stderr: "" });
    const all = await run(["consume", "cli-many"]);
    expect(all.stdout.split("\n")).toHaveLength(20_001);
  });

  it("consumes as a group member: resumes from the committed offsets", async () => {
    expect((await run(["topics", "create", "cli-group", "--partitions", "2"])).code).toBe(0);
    expect((await run(["produce", "cli-group"], { input: "1\n2\n3\n4\n" })).code).toBe(0);
    const first = await run(["consume", "cli-group", "--group", "g1"]);
    expect(first.code).toBe(0);
    expect(first.stdout.trimEnd().split("\n").sort()).toEqual(["1", "2", "3", "4"]);
    expect((await run(["produce", "cli-group"], { input: "5\n6\n" })).code).toBe(0);
    const second = await run(["consume", "cli-group", "--group", "g1"]);
    expect(second.stdout.trimEnd().split("\n").sort()).toEqual(["5", "6"]);
    const bad = await run(["consume", "cli-group", "--group", "g1", "--partition", "0"]);
    expect(bad.code).toBe(2);
  });

  it("serve: logs one listening line, refuses a locked data directory, shuts down on SIGTERM", async () => {
    const dir = tempDir();
    const first = spawn(process.execPath, [cli, "serve", "--data-dir", dir, "--host", "127.0.0.1", "--port", "0", "--kafka-port", "-1", "--shards", "1"], { cwd: root });
    let stderr = "";
    first.stderr.setEncoding("utf8");
    const listening = await new Promise<Record<string, unknown>>((resolve, reject) => {
      first.stderr.on("data", (d: string) => {
        stderr += d;
        const line = stderr.split("\n").find((l) => l.includes('"rivulet listening"'));
        if (line) resolve(JSON.parse(line));
      });
      first.on("exit", (code) => reject(new Error(`serve exited with ${code}: ${stderr}`)));
    });
    expect(listening.ws).toMatch(/^ws:\/\/127\.0\.0\.1:\d+\/ws$/);
    expect(listening.level).toBe("info");

    // The first server answers.
    const list = await run(["topics", "list", "--broker", String(listening.ws)]);
    expect(list.code).toBe(0);

    const second = await run(["serve", "--data-dir", dir, "--port", "0", "--kafka-port", "-1", "--shards", "1", "--log-level", "error"]);
    expect(second.code).toBe(1);
    expect(messages(second.stderr)).toEqual([expect.stringMatching(/^rivulet: data directory .* is in use by another Rivulet process \(pid \d+\)$/)]);
    expect(second.stderr.trimEnd().split("\n")).toHaveLength(1);

    const exited = new Promise<number | null>((resolve) => first.on("exit", (code) => resolve(code)));
    first.kill("SIGTERM");
    expect(await exited).toBe(0);
    expect(stderr).toMatch(/"msg":"shutting down"/);
    expect(existsSync(join(dir, ".lock"))).toBe(false);
  });
});

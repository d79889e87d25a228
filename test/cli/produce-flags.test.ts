// `rivulet produce`'s kcat flags end to end against a live broker (in-process, both ports), run as a user
// runs them: headers, fixed and split keys, tombstones, delimiters, timestamps, compression, whole files;
// the round trip with kcat both ways, byte for byte; each flag's failure; and `consume --progress`.
// Needs `npm run build:ts` first (the commands run from dist/).
import { spawn, spawnSync } from "node:child_process";
import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { batchSpans, compressionAt, viewOf } from "../../src/core/index.js";
import { inProcessServers } from "../helpers/in-process-servers.js";

const cli = fileURLToPath(new URL("../../dist/cli/main.js", import.meta.url));
const { start, tempDir } = inProcessServers("produce-flags");
const kcatAvailable = spawnSync("kcat", ["-V"], { stdio: "ignore" }).status === 0;

interface Run {
  code: number | null;
  stdout: Buffer;
  stderr: string;
}

function run(file: string, args: string[], input?: string | Buffer): Promise<Run> {
  return new Promise((resolve) => {
    const child = spawn(file, args, { stdio: ["pipe", "pipe", "pipe"] });
    const out: Buffer[] = [];
    let stderr = "";
    child.stdout.on("data", (d: Buffer) => out.push(d));
    child.stderr.setEncoding("utf8").on("data", (d: string) => (stderr += d));
    child.stdin.on("error", () => {});
    child.stdin.end(input ?? "");
    const timer = setTimeout(() => child.kill("SIGKILL"), 30_000);
    child.once("exit", (code) => (clearTimeout(timer), resolve({ code, stdout: Buffer.concat(out), stderr })));
  });
}
const rivulet = (args: string[], input?: string | Buffer) => run(process.execPath, [cli, ...args], input);

/** Compression ids of the batches stored in partition 0 of `topic`, read from its segment files. */
function storedCompression(dataDir: string, topic: string): number[] {
  const dir = join(dataDir, `${topic}-0`);
  const ids: number[] = [];
  for (const file of readdirSync(dir).filter((f) => f.endsWith(".log")).sort()) {
    const bytes = new Uint8Array(readFileSync(join(dir, file)));
    for (const span of batchSpans(bytes)) ids.push(compressionAt(viewOf(bytes), span.start));
  }
  return ids;
}

const TEMPLATE = "%k|%s|%h|%T|%K|%S\\n";

describe("rivulet produce: kcat's flags", () => {
  it("keys, headers, tombstones and timestamps survive the round trip with kcat, byte for byte, both ways", async () => {
    const dataDir = tempDir();
    const server = await start({ dataDir });
    const broker = ["--broker", `127.0.0.1:${server.port}`];
    await server.broker.createTopic("to-kcat", { partitions: 1 });
    await server.broker.createTopic("from-kcat", { partitions: 1 });

    // rivulet -> kcat: own keys, the fixed key, a tombstone, an empty key nulled by -Z, a header with a null value.
    const produced = await rivulet(["produce", "to-kcat", ...broker, "-K:", "-k", "fixed", "-Z", "-H", "source=shell", "-H", "flag", "-H", "utf=é", "--timestamp", "1700000000000", "-z", "gzip"], "k1:v1\nk2:\n:v3\nv4\n");
    expect(produced.code, produced.stderr).toBe(0);
    const expected = [
      "k1|v1|source=shell,flag=NULL,utf=é|1700000000000|2|2",
      "k2|NULL|source=shell,flag=NULL,utf=é|1700000000000|2|-1",
      "NULL|v3|source=shell,flag=NULL,utf=é|1700000000000|-1|2",
      "fixed|v4|source=shell,flag=NULL,utf=é|1700000000000|5|2",
    ].join("\n") + "\n";
    const mine = await rivulet(["consume", "to-kcat", ...broker, "-Z", "--template", TEMPLATE]);
    expect(mine.stdout.toString()).toBe(expected);
    expect(storedCompression(dataDir, "to-kcat")).toEqual([1]);

    if (!kcatAvailable) return;
    const kafka = `127.0.0.1:${server.kafkaPort}`;
    const viaKcat = await run("kcat", ["-b", kafka, "-C", "-t", "to-kcat", "-o", "beginning", "-e", "-q", "-Z", "-f", TEMPLATE]);
    expect(viaKcat.stdout.equals(mine.stdout), viaKcat.stdout.toString()).toBe(true);

    // kcat -> rivulet: kcat -P with -K, -Z, -H and lz4; rivulet reads what kcat reads. A long linger keeps
    // the four lines in one batch (kcat flushes at end of input): librdkafka sends a batch that lz4 would
    // not shrink (one small record) uncompressed, so a split batch stored [0, 3] once in CI.
    const sent = await run("kcat", ["-b", kafka, "-P", "-t", "from-kcat", "-K:", "-Z", "-H", "source=kcat", "-H", "flag", "-z", "lz4", "-X", "linger.ms=1000"], "k1:v1\nk2:\n:v3\nv4\n");
    expect(sent.code, sent.stderr).toBe(0);
    const kcatSees = await run("kcat", ["-b", kafka, "-C", "-t", "from-kcat", "-o", "beginning", "-e", "-q", "-Z", "-f", TEMPLATE]);
    const rivuletSees = await rivulet(["consume", "from-kcat", ...broker, "-Z", "--template", TEMPLATE]);
    expect(rivuletSees.code, rivuletSees.stderr).toBe(0);
    expect(rivuletSees.stdout.toString()).toBe(kcatSees.stdout.toString());
    const lines = rivuletSees.stdout.toString().trimEnd().split("\n").map((l) => l.split("|"));
    expect(lines.map(([k, v, h, , kl, vl]) => [k, v, h, kl, vl])).toEqual([
      ["k1", "v1", "source=kcat,flag=NULL", "2", "2"],
      ["k2", "NULL", "source=kcat,flag=NULL", "2", "-1"],
      ["NULL", "v3", "source=kcat,flag=NULL", "-1", "2"],
      ["NULL", "v4", "source=kcat,flag=NULL", "-1", "2"],
    ]);
    expect(storedCompression(dataDir, "from-kcat")).toEqual([3]);
  });

  it("compresses with each codec, and kcat (librdkafka) reads every one", async () => {
    const dataDir = tempDir();
    const server = await start({ dataDir });
    const broker = ["--broker", `127.0.0.1:${server.port}`];
    const input = Array.from({ length: 500 }, (_, i) => `record number ${i} with a repetitive payload payload payload`).join("\n") + "\n";
    for (const [codec, id] of [["none", 0], ["gzip", 1], ["snappy", 2], ["lz4", 3], ["zstd", 4]] as const) {
      const topic = `z-${codec}`;
      await server.broker.createTopic(topic, { partitions: 1 });
      const r = await rivulet(["produce", topic, ...broker, "-z", codec, "--linger-ms", "50"], input);
      expect(r.code, r.stderr).toBe(0);
      const ids = storedCompression(dataDir, topic);
      expect(ids.length).toBeGreaterThan(0);
      expect(new Set(ids)).toEqual(new Set([id]));
      const back = await rivulet(["consume", topic, ...broker]);
      expect(back.stdout.toString()).toBe(input);
      if (kcatAvailable) {
        const viaKcat = await run("kcat", ["-b", `127.0.0.1:${server.kafkaPort}`, "-C", "-t", topic, "-o", "beginning", "-e", "-q"]);
        expect(viaKcat.stdout.toString()).toBe(input);
      }
    }
    // A batch that would not shrink (random bytes) goes uncompressed, and arrives intact.
    await server.broker.createTopic("z-random", { partitions: 1 });
    const random = Buffer.from(Array.from({ length: 50_000 }, () => Math.floor(Math.random() * 256)));
    const file = join(tempDir("random"), "random.bin");
    writeFileSync(file, random);
    const r = await rivulet(["produce", "z-random", ...broker, "--file", file, "-z", "gzip"]);
    expect(r.code, r.stderr).toBe(0);
    expect(storedCompression(dataDir, "z-random")).toEqual([0]);
    const back = await rivulet(["consume", "z-random", ...broker, "--template", "%s"]);
    expect(back.stdout.equals(random)).toBe(true);
  }, 120_000); // fifteen client processes (produce, consume and kcat per codec)

  it("splits at -D, takes per-record timestamps (a record without one fails alone) and sends whole files", async () => {
    const server = await start({ kafkaPort: -1 });
    const broker = ["--broker", `127.0.0.1:${server.port}`];
    await server.broker.createTopic("delim", { partitions: 1 });
    const d = await rivulet(["produce", "delim", ...broker, "-D", "\\x00", "-K", "\\t"], "a\tline one\nstill one\0b\tline two\0");
    expect(d.code, d.stderr).toBe(0);
    const dOut = await rivulet(["consume", "delim", ...broker, "--template", "%k=%s;"]);
    expect(dOut.stdout.toString()).toBe("a=line one\nstill one;b=line two;");

    await server.broker.createTopic("stamped", { partitions: 1 });
    const t = await rivulet(["produce", "stamped", ...broker, "--timestamp-delimiter", ",", "-K:"], "1600000000000,k:first\nno timestamp here\n1600000005000,second\n");
    expect(t.code).toBe(1);
    expect(t.stderr).toContain("rivulet: line 2 was not stored: no timestamp: the record does not contain the --timestamp-delimiter");
    expect(t.stderr).toContain("rivulet: 1 of 3 lines was not stored (line 2): refused (see above)");
    const tOut = await rivulet(["consume", "stamped", ...broker, "--template", "%T %k %s\\n"]);
    expect(tOut.stdout.toString()).toBe("1600000000000 k first\n1600000005000  second\n");

    const dir = tempDir("files");
    const binary = Buffer.from(Array.from({ length: 70_000 }, (_, i) => (i * 31) % 256));
    writeFileSync(join(dir, "one.bin"), binary);
    writeFileSync(join(dir, "two.txt"), "line 1\nline 2\n");
    writeFileSync(join(dir, "empty"), "");
    await server.broker.createTopic("files", { partitions: 1 });
    const f = await rivulet(["produce", "files", ...broker, "--file", join(dir, "one.bin"), "--file", join(dir, "two.txt"), "--file", join(dir, "empty"), "-k", "doc", "-Z", "-z", "zstd"]);
    expect(f.code, f.stderr).toBe(0);
    const got: { key: string; value: Buffer | null }[] = [];
    const json = await rivulet(["consume", "files", ...broker, "--format", "json"]);
    for (const line of json.stdout.toString().trimEnd().split("\n")) {
      const r = JSON.parse(line) as { key: string; value: string | null; valueEncoding?: string };
      got.push({ key: r.key, value: r.value === null ? null : Buffer.from(r.value, r.valueEncoding === "base64" ? "base64" : "utf8") });
    }
    expect(got).toHaveLength(3);
    expect(got[0]!.key).toBe("doc");
    expect(got[0]!.value!.equals(binary)).toBe(true);
    expect(got[1]!.value!.toString()).toBe("line 1\nline 2\n");
    expect(got[2]!.value).toBeNull(); // an empty file with -Z: a tombstone
  });

  it("refuses bad flags with one line and produces nothing", async () => {
    const server = await start({ kafkaPort: -1 });
    const broker = ["--broker", `127.0.0.1:${server.port}`];
    await server.broker.createTopic("refused", { partitions: 1 });
    const cases: Array<[string[], number, RegExp]> = [
      [["-H", "=value"], 2, /the header name is empty \(expected NAME=VALUE\)/],
      [["-z", "brotli"], 2, /-z must be one of none, gzip, snappy, lz4, zstd, got 'brotli'/],
      [["--compression=xz"], 2, /--compression must be one of/],
      [["--file", "/nonexistent/rivulet-test-file"], 1, /--file \/nonexistent\/rivulet-test-file: no such file; nothing was produced/],
      [["--file", "/tmp"], 1, /--file \/tmp: not a regular file/],
      [["--file", "/etc/hostname", "-K:"], 2, /--file sends each file whole/],
      [["-D", "\\q"], 2, /-D\/--delimiter: unknown escape '\\q'/],
      [["--timestamp", "noon"], 2, /--timestamp must be milliseconds since the epoch or an ISO date, got 'noon'/],
      [["--timestamp", "5", "--timestamp-delimiter", ","], 2, /contradict/],
      [["-Zq"], 2, /-Z takes no value/],
    ];
    for (const [flags, code, message] of cases) {
      const r = await rivulet(["produce", "refused", ...broker, ...flags], "would be a record\n");
      expect(r.code, `${flags.join(" ")}: ${r.stderr}`).toBe(code);
      expect(r.stderr).toMatch(message);
      expect(r.stderr.trim().split("\n")[0]).toMatch(/^rivulet: /);
    }
    const described = await server.broker.describeTopic("refused");
    expect(described.partitions[0]!.logEndOffset).toBe(0n);
  });

  it("topics describe --sizes shows each partition's size on disk, the broker's own figure", async () => {
    const server = await start({ kafkaPort: -1 });
    const broker = ["--broker", `127.0.0.1:${server.port}`];
    await server.broker.createTopic("described", { partitions: 2 });
    const p = await rivulet(["produce", "described", ...broker, "-p", "1"], "x".repeat(5000) + "\n");
    expect(p.code, p.stderr).toBe(0);
    const sizes = (await server.broker.describeTopic("described")).partitions.map((q) => q.sizeBytes);
    expect(sizes[0]).toBe(0);
    expect(sizes[1]).toBeGreaterThan(5000);
    const json = JSON.parse((await rivulet(["topics", "describe", "described", ...broker, "--sizes", "--json"])).stdout.toString()) as { partitions: Array<{ sizeBytes: number }> };
    expect(json.partitions.map((q) => q.sizeBytes)).toEqual(sizes);
    const table = (await rivulet(["topics", "describe", "described", ...broker, "--sizes"])).stdout.toString();
    expect(table).toMatch(/PARTITION\s+LOG START\s+LOG END\s+RECORDS\s+SIZE/);
    expect(table).toMatch(/\n\s*1\s+0\s+1\s+1\s+5\.\d kB\n/);
    // Without the flag: the version-1 request and answer, no size anywhere.
    const plain = JSON.parse((await rivulet(["topics", "describe", "described", ...broker, "--json"])).stdout.toString()) as { partitions: object[] };
    expect(plain.partitions[1]).toEqual({ partition: 1, logStartOffset: "0", logEndOffset: "1" });
  });

  it("consume --progress reports records read and the rate on stderr", async () => {
    const server = await start({ kafkaPort: -1 });
    const broker = ["--broker", `127.0.0.1:${server.port}`];
    await server.broker.createTopic("slow", { partitions: 1 });
    const child = spawn(process.execPath, [cli, "consume", "slow", ...broker, "--follow", "--progress", "--max-messages", "2"], { stdio: ["ignore", "pipe", "pipe"] });
    let stderr = "";
    child.stderr.setEncoding("utf8").on("data", (d: string) => (stderr += d));
    const exited = new Promise<number | null>((resolve) => child.once("exit", resolve));
    // Nothing to read yet: a second after it started, the first line says 0.
    for (let waited = 0; !stderr.includes("\n") && waited < 15_000; waited += 100) await new Promise((resolve) => setTimeout(resolve, 100));
    expect(stderr).toMatch(/^consumed 0 records \(0 B\), 0 records\/s\n/);
    const p = await rivulet(["produce", "slow", ...broker], "one\ntwo\n");
    expect(p.code, p.stderr).toBe(0);
    expect(await exited).toBe(0);
    expect(stderr.trimEnd().split("\n").at(-1)).toMatch(/^consumed 2 records \(6 B\), [\d.,]+ records\/s$/);
  });
});

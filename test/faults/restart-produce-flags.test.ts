// `rivulet produce` with the kcat flags (-D, -K, -H, -Z, -z zstd, --timestamp-delimiter, --idempotent)
// while its broker is killed with SIGKILL and restarted on the same port and data directory: the command
// says once that it lost the broker, resumes, and exits 0 with every record stored once, in order, with its
// key, header, timestamp and tombstone intact. Everything is a real process. Needs `npm run build:ts` first.
import { describe, expect, it } from "vitest";
import { connect } from "../../src/client/index.js";
import { cliProcesses, freePort, sleep } from "../helpers/cli-processes.js";

const { tempDir, run, serve } = cliProcesses();

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
    const dataDir = tempDir("rivulet-flags-restart-");
    const broker = await serve(dataDir, port, ["--shards", "1"]);
    const url = broker.url;
    const admin = await connect({ url, reconnect: false });
    await admin.admin.createTopic("flags", { partitions: 1 });
    admin.close();

    const args = ["produce", "flags", "--broker", url, "-D", "\\x1e", "-K", "\\t", "-H", "src=restart", "-H", "run", "-Z", "-z", "zstd", "--timestamp-delimiter", ",", "--idempotent", "--linger-ms", "2"];
    const child = run(args, { stdio: ["pipe", "ignore", "pipe"] });
    let stderr = "";
    child.stderr!.setEncoding("utf8").on("data", (d: string) => (stderr += d));
    const exited = new Promise<number | null>((resolve) => child.once("exit", resolve));
    const write = (from: number, to: number) => child.stdin!.write(Array.from({ length: to - from }, (_, k) => input(from + k) + "\x1e").join(""));

    // The first half, stored before the kill; the second half arrives while the broker is away.
    write(0, N / 2);
    for (let i = 0; i < 300 && (await logEnd(url, "flags")) < BigInt(N / 2); i++) await sleep(100);
    expect(await logEnd(url, "flags")).toBe(BigInt(N / 2));
    await broker.stop("SIGKILL");
    write(N / 2, N);
    child.stdin!.end();
    await sleep(1500);
    const again = await serve(dataDir, port, ["--shards", "1"]);

    const code = await exited;
    expect(code, stderr).toBe(0);
    const notes = stderr.split("\n").filter((l) => l.startsWith("rivulet: "));
    expect(notes.filter((l) => l.includes("retrying for up to"))).toHaveLength(1);
    expect(notes).toContain(`rivulet: the broker at ${url} is back; resuming`);

    const read = run(["consume", "flags", "--broker", url, "-Z", "--template", "%T|%k|%s|%h\\n"], { stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    read.stdout!.setEncoding("utf8").on("data", (d: string) => (out += d));
    expect(await new Promise((resolve) => read.once("exit", resolve))).toBe(0);
    const lines = out.trimEnd().split("\n");
    expect(lines.length).toBe(N);
    expect(lines).toEqual(Array.from({ length: N }, (_, i) => expected(i)));
    await again.stop("SIGTERM");
  }, 120_000);
});

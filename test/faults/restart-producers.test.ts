// `rivulet produce` while its broker dies (issue 12, item 2), everything a real process: the broker is
// `rivulet serve` in a child process, killed with SIGTERM or SIGKILL mid-produce and either restarted on the
// same port and data directory or left dead; the producer is the `rivulet produce` command reading a file of
// numbered lines on stdin. It must never hang: with the broker back it finishes and exits 0, every line
// stored once and in order (--idempotent); with the broker gone it exits 1 within its --timeout, having
// said once that the broker was unreachable, with one summary line naming how many lines were not stored.
// Needs `npm run build:ts` first.
import { describe, expect, it } from "vitest";
import { connect } from "../../src/client/index.js";
import { cliProcesses, freePort, sleep, type CliBroker } from "../helpers/cli-processes.js";

const { tempDir, run, serve: serveCli } = cliProcesses();

/** `rivulet serve` on `port` and `dataDir` with one shard. */
const serve = (port: number, dataDir: string) => serveCli(dataDir, port, ["--shards", "1"]);
const stop = (broker: CliBroker, signal: "SIGTERM" | "SIGKILL") => broker.stop(signal);

interface Produced {
  code: number | null;
  stderr: string;
  ms: number;
}

/** `rivulet produce` fed `lines` numbered lines; `onProgress` sees the lines acknowledged so far (--progress). */
/**
 * `hold`: after writing `after` lines, wait for `until` before writing the rest, so the broker's stop lands
 * while the command is still producing (on a quiet machine it could otherwise finish all the lines first).
 */
function produce(url: string, topic: string, lines: number, extra: string[], onAcked: (acked: number) => void, hold?: { after: number; until: Promise<unknown> }): Promise<Produced> {
  const started = Date.now();
  const child = run(["produce", topic, "--broker", url, "--progress", "--linger-ms", "2", ...extra], { stdio: ["pipe", "ignore", "pipe"] });
  let stderr = "";
  child.stderr!.setEncoding("utf8").on("data", (d: string) => {
    stderr += d;
    for (const m of d.matchAll(/produced ([\d,]+) of/g)) onAcked(Number(m[1]!.replace(/,/g, "")));
  });
  // Written in pieces as the pipe drains: the producer's reading pace decides.
  const input = child.stdin!;
  input.on("error", () => {}); // EPIPE when the command stopped reading
  void (async () => {
    const chunk = 10_000;
    for (let from = 1; from <= lines; from += chunk) {
      if (hold && from > hold.after) {
        await hold.until;
        hold = undefined;
      }
      const text = Array.from({ length: Math.min(chunk, lines - from + 1) }, (_, i) => `line-${from + i}`).join("\n") + "\n";
      if (!input.write(text)) {
        // Whichever comes first; the other listener goes with it (not one more per chunk on the stream).
        await new Promise<void>((resolve) => {
          const done = () => {
            input.off("drain", done).off("close", done);
            resolve();
          };
          input.once("drain", done).once("close", done);
        });
      }
      if (input.destroyed) return;
    }
    input.end();
  })();
  const debug = process.env.DEBUG_FAULTS ? setInterval(() => console.log(`[${Date.now() - started} ms] ${stderr.trim().split("\n").slice(-2).join(" | ")}`), 3000) : undefined;
  return new Promise((resolve) => child.once("exit", (code) => (clearInterval(debug), resolve({ code, stderr, ms: Date.now() - started }))));
}

/** Every value of the topic, in offset order. */
async function readAll(url: string, topic: string): Promise<string[]> {
  const client = await connect({ url, reconnect: false });
  try {
    const [meta] = await client.admin.metadata([topic]);
    const end = Number(meta!.partitions[0]!.logEndOffset);
    const values: string[] = [];
    if (end === 0) return values;
    const consumer = client.consumer({ topic, from: "earliest", partitions: [0] });
    for await (const record of consumer) {
      values.push(new TextDecoder().decode(record.value!));
      if (values.length >= end) break;
    }
    await consumer.close();
    return values;
  } finally {
    client.close();
  }
}

async function setup(topic: string): Promise<{ port: number; dataDir: string; url: string; broker: CliBroker }> {
  const port = await freePort();
  const dataDir = tempDir("rivulet-faults-");
  const broker = await serve(port, dataDir);
  const url = `ws://127.0.0.1:${port}/ws`;
  const client = await connect({ url, reconnect: false });
  await client.admin.createTopic(topic, { partitions: 1 });
  client.close();
  return { port, dataDir, url, broker };
}

/** Resolves once the producer reported at least `n` lines acknowledged. */
function ackedAtLeast(n: number): { onAcked: (acked: number) => void; reached: Promise<void> } {
  let resolve!: () => void;
  const reached = new Promise<void>((r) => (resolve = r));
  return { onAcked: (acked) => void (acked >= n && resolve()), reached };
}

// Enough that the command is still producing when the first progress line (after 1 s) shows 50,000 acknowledged.
const LINES = 1_500_000;
const expected = (n: number) => Array.from({ length: n }, (_, i) => `line-${i + 1}`);

describe("rivulet produce when the broker dies", () => {
  for (const signal of ["SIGTERM", "SIGKILL"] as const) {
    it(`${signal} mid-produce and the broker comes back: exits 0, every line stored once, in order`, async () => {
      const topic = `back-${signal}`;
      const { port, dataDir, url, broker } = await setup(topic);
      const progress = ackedAtLeast(50_000);
      let release!: () => void;
      const held = new Promise<void>((resolve) => (release = resolve));
      const running = produce(url, topic, LINES, ["--idempotent"], progress.onAcked, { after: 200_000, until: held });
      // (If the command ended before, the assertions below show why.)
      await Promise.race([progress.reached, running]);
      await stop(broker, signal);
      release(); // lines arrive while the broker is away: the command retries, then resumes
      await sleep(1500);
      const again = await serve(port, dataDir);
      const result = await running;
      expect(result.code, result.stderr).toBe(0);
      const notes = result.stderr.split("\n").filter((l) => l.startsWith("rivulet: "));
      // SIGTERM: the closing broker may first refuse a batch ("broker is shutting down"), then the socket closes.
      expect(notes[0], result.stderr.slice(-2000)).toMatch(/^rivulet: (lost the broker|the broker) at ws:\/\/127\.0\.0\.1:\d+\/ws .*retrying for up to 120 s \(--timeout\)$/);
      expect(notes.filter((l) => l.includes("retrying for up to"))).toHaveLength(1);
      expect(notes).toContain(`rivulet: the broker at ${url} is back; resuming`);
      const values = await readAll(url, topic);
      expect(values.length).toBe(LINES);
      expect(values).toEqual(expected(LINES));
      await stop(again, "SIGTERM");
    }, 90_000);

    it(`${signal} mid-produce and the broker stays dead: exits 1 within --timeout, naming the lines not stored`, async () => {
      const topic = `dead-${signal}`;
      const { port, dataDir, url, broker } = await setup(topic);
      const progress = ackedAtLeast(50_000);
      let release!: () => void;
      const held = new Promise<void>((resolve) => (release = resolve));
      const running = produce(url, topic, LINES, ["--idempotent", "--timeout", "2000"], progress.onAcked, { after: 200_000, until: held });
      if (process.env.DEBUG_FAULTS) console.log("dead: producing");
      // (If the command ended before, the assertions below show why.)
      await Promise.race([progress.reached, running]);
      if (process.env.DEBUG_FAULTS) console.log("dead: 50k acked, killing");
      const killedAt = Date.now();
      broker.child.kill(signal);
      release();
      const result = await running;
      if (process.env.DEBUG_FAULTS) console.log("dead: produce exited", result.code, result.stderr.slice(-500));
      const afterKill = Date.now() - killedAt;
      // The broker's own shutdown is not under test here: bounded, then forced.
      const gone = await Promise.race([broker.exited.then(() => true), sleep(15_000).then(() => false)]);
      if (!gone) {
        console.warn(`broker did not exit within 15 s of ${signal}: killed`);
        broker.child.kill("SIGKILL");
        await broker.exited;
      }
      expect(result.code).toBe(1);
      // Each line gets 2 s from when it was read; reading stops at the first expiry: well under 10 s.
      expect(afterKill).toBeLessThan(10_000);
      const notes = result.stderr.split("\n").filter((l) => l.startsWith("rivulet: "));
      expect(notes).toHaveLength(2);
      expect(notes[0]).toMatch(/(lost the broker|the broker) at .*retrying for up to 2 s/);
      const summary = /^rivulet: ([\d,]+) of ([\d,]+) lines were not stored \(lines ([\d,]+)-([\d,]+)\): .*not acknowledged within the delivery timeout of 2000 ms/.exec(notes[1]!);
      expect(summary, notes[1]).not.toBeNull();
      const [failed, read, first, last] = summary!.slice(1).map((s) => Number(s.replace(/,/g, "")));
      expect(last).toBe(read);
      expect(failed).toBe(read! - first! + 1);
      // What the broker has (restarted to look): every line reported stored, in order, no duplicate; lines
      // reported not stored may be there too (sent, answer lost), but only right after the stored ones.
      const again = await serve(port, dataDir);
      const values = await readAll(url, topic);
      expect(values.length).toBeGreaterThanOrEqual(first! - 1);
      expect(values).toEqual(expected(values.length));
      await stop(again, "SIGTERM");
    }, 90_000);
  }

  it("a broker that is not there at the start: exits 1 at once with one line", async () => {
    const port = await freePort();
    const result = await produce(`ws://127.0.0.1:${port}/ws`, "t", 10, [], () => {});
    expect(result.code).toBe(1);
    expect(result.stderr.trim()).toBe(`rivulet: cannot connect to the broker at ws://127.0.0.1:${port}/ws (is 'rivulet serve' running? set --broker or RIVULET_BROKER)`);
    expect(result.ms).toBeLessThan(5000);
  });
});

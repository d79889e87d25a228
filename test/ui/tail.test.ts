// The console's live tail (src/ui/lib/tail.ts) in Node against a real broker: the window stays bounded,
// records it passes over are counted as skipped, filters count what they drop, and flow is credit-driven:
// a paused or full tail stops taking records, so the broker stops sending (the consumer holds no more than
// its credit window) instead of the page buffering a busy topic.
import { describe, expect, it } from "vitest";
import { LiveTail, type TailStats } from "../../src/ui/lib/tail.js";
import { sleep, wsServers } from "../helpers/ws-server.js";

const env = wsServers();
const BATCH_BYTES = 16 * 1024;

async function until(check: () => boolean, ms = 10_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error("condition not met in time");
    await sleep(10);
  }
}

async function fill(client: Awaited<ReturnType<typeof env.client>>, topic: string, count: number, from = 0): Promise<void> {
  // Small batches: the broker sends whole batches, so what a consumer may hold is its credit plus one batch.
  const producer = client.producer({ lingerMs: 2, batchBytes: BATCH_BYTES });
  const records = Array.from({ length: count }, (_, i) => ({ topic, key: `k-${(from + i) % 10}`, value: `value ${from + i} ${"x".repeat(200)}`, headers: [{ key: "even", value: String((from + i) % 2 === 0) }] }));
  await producer.sendMany(records);
}

describe("live tail", () => {
  it("keeps a bounded window of the newest records and counts the ones never rendered as skipped", async () => {
    const srv = await env.start();
    const client = await env.client(srv.url);
    await client.admin.createTopic("tail-window", { partitions: 2 });
    await fill(client, "tail-window", 5000);
    let changes = 0;
    const tail = new LiveTail(client, { topic: "tail-window", from: "earliest", follow: true, windowSize: 100 }, () => changes++);
    await until(() => tail.stats().received === 5000);
    const rows = tail.rows();
    expect(rows).toHaveLength(100);
    // Oldest first, in arrival order; nothing rendered before, so all but the 100 shown were skipped.
    expect(rows.map((r) => r.seq)).toEqual(Array.from({ length: 100 }, (_, i) => 4901 + i));
    expect(tail.stats()).toMatchObject({ received: 5000, matched: 5000, skipped: 4900, shown: 100, state: "streaming" });
    expect(changes).toBeGreaterThan(0);
    // Rendered now: the next records push these out without counting them as skipped.
    await fill(client, "tail-window", 50, 5000);
    await until(() => tail.stats().received === 5050);
    expect(tail.stats().skipped).toBe(4900);
    await tail.stop();
    expect(tail.stats().state).toBe("stopped");
  });

  it("filters by header and counts what it drops", async () => {
    const srv = await env.start();
    const client = await env.client(srv.url);
    await client.admin.createTopic("tail-filter", { partitions: 1 });
    await fill(client, "tail-filter", 300);
    const tail = new LiveTail(client, { topic: "tail-filter", from: "earliest", follow: true, filter: { header: "even=true", key: "k-4" } }, () => {});
    await until(() => tail.stats().received === 300);
    const rows = tail.rows();
    expect(rows).toHaveLength(30);
    expect(rows.every((r) => Number(r.record.offset) % 10 === 4)).toBe(true);
    expect(tail.stats().filteredOut).toBe(270);
    await tail.stop();
  });

  it("stops taking records when full or paused, so the broker stops sending (credit), and resumes", async () => {
    const srv = await env.start();
    const client = await env.client(srv.url);
    await client.admin.createTopic("tail-credit", { partitions: 1 });
    await fill(client, "tail-credit", 20_000);
    const windowBytes = 64 * 1024;
    // Browsing (no follow): takes exactly one window of records and stops.
    const browse = new LiveTail(client, { topic: "tail-credit", from: { offset: 1000n }, follow: false, windowSize: 200, windowBytes }, () => {});
    await until(() => browse.stats().state === "full");
    await sleep(300);
    let stats: TailStats = browse.stats();
    expect(stats.received).toBe(200);
    expect(browse.rows()[0]!.record.offset).toBe(1000n);
    // What the consumer holds is bounded by its credit (plus one batch), whatever is left in the topic
    // (~19,000 records, ~4.5 MB).
    expect(stats.heldBytes).toBeLessThanOrEqual(windowBytes + BATCH_BYTES + 1024);
    // The next window continues exactly where the first ended.
    browse.nextWindow();
    await until(() => browse.stats().received === 400 && browse.stats().state === "full");
    const second = browse.rows();
    expect(second.map((r) => r.record.offset)).toEqual(Array.from({ length: 200 }, (_, i) => BigInt(1200 + i)));
    await browse.stop();

    // Following, paused: nothing more is taken while new records keep arriving.
    const follow = new LiveTail(client, { topic: "tail-credit", from: "latest", follow: true, windowSize: 100, windowBytes }, () => {});
    await until(() => follow.stats().state === "streaming");
    follow.setPaused(true);
    await fill(client, "tail-credit", 5000, 20_000);
    await sleep(500);
    stats = follow.stats();
    expect(stats.state).toBe("paused");
    const takenWhilePaused = stats.received;
    // A read already waiting when Pause came takes what arrives first: at most one credit window (~320 records).
    expect(takenWhilePaused).toBeLessThan(400);
    expect(stats.heldBytes).toBeLessThanOrEqual(windowBytes + BATCH_BYTES + 1024);
    follow.setPaused(false);
    await until(() => follow.stats().received === 5000);
    expect(follow.rows().at(-1)!.record.offset).toBe(24_999n);
    await follow.stop();
  });

  it("reports an unknown topic as an error state instead of throwing", async () => {
    const srv = await env.start();
    const client = await env.client(srv.url);
    const tail = new LiveTail(client, { topic: "no-such-topic", from: "latest", follow: true }, () => {});
    await until(() => tail.stats().state === "error");
    expect(tail.stats().error).toMatch(/no-such-topic/);
    await tail.stop();
  });
});

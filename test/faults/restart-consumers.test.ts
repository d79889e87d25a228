// Consumers over WebSocket (the library in its own process, and the CLI) while the broker process is
// restarted or killed (issue 12): SIGKILL and SIGTERM, also while the consumer connects, while a group
// join is pending and during a large fetch. Each consumer either resumes, with no duplicate and no gap, or
// exits non-zero within its deadline; its RSS is sampled all along and printed, and must stay bounded.
// Runs dist/ (`npm run build:ts` first).

import { afterAll, describe, expect, it } from "vitest";
import { connect } from "../../src/client/index.js";
import { cpuSecondsOf, gapsAndDuplicates, parseRecords, processes, sleep, until, type BrokerProc, type Proc } from "./restart-helpers.js";

const procs = processes();
const MiB = 1024 * 1024;
/** A consumer client that ran away (issue 12) reached GBs in seconds; a healthy one stays well under this. */
const RSS_LIMIT = 200 * MiB;
const measurements: string[] = [];

afterAll(() => {
  // The numbers, for the report: one line per client process.
  process.stdout.write(`\nclient peak RSS / CPU during the restart suite:\n${measurements.map((m) => `  ${m}\n`).join("")}`);
});

function measure(name: string, proc: Proc, cpuBefore = 0): void {
  const rss = proc.peakRss();
  measurements.push(`${name}: peak RSS ${(rss / MiB).toFixed(1)} MiB, CPU ${(cpuSecondsOf(proc.pid) - cpuBefore).toFixed(2)} s`);
  expect(rss, name).toBeLessThan(RSS_LIMIT);
}

async function produce(url: string, topic: string, from: number, to: number, partition = 0, pad = 0): Promise<void> {
  const client = await connect({ url, reconnect: false });
  try {
    const producer = client.producer({ lingerMs: 2 });
    const sends = [];
    for (let i = from; i < to; i++) sends.push(producer.send({ topic, partition, value: pad ? `${i} ${"x".repeat(pad)}` : String(i) }));
    await Promise.all(sends);
  } finally {
    client.close();
  }
}

async function createTopic(url: string, topic: string, partitions = 1): Promise<void> {
  const client = await connect({ url, reconnect: false });
  try {
    await client.admin.createTopic(topic, { partitions });
  } finally {
    client.close();
  }
}

const values = (proc: Proc) => parseRecords(proc.stdout()).map((r) => Number(r.value.split(" ")[0]));
const range = (from: number, to: number) => Array.from({ length: to - from }, (_, i) => from + i);

async function restart(broker: BrokerProc, signal: NodeJS.Signals, downMs = 500): Promise<void> {
  await broker.kill(signal);
  await sleep(downMs);
  await broker.start();
}

describe.each(["SIGKILL", "SIGTERM"] as const)("broker stopped with %s and started again", (signal) => {
  it("library consumer from latest, partitions [0]: resumes right after the last record, no runaway", async () => {
    const broker = await procs.broker();
    const topic = "lib-latest";
    await createTopic(broker.url, topic, 2);
    await produce(broker.url, topic, 0, 50); // before the consumer: not for it (from latest)
    const consumer = procs.wsConsumer({ url: broker.url, topic, from: "latest", partitions: [0] });
    await until("the consumer to subscribe", () => consumer.stderr().includes("started"));
    await produce(broker.url, topic, 50, 150);
    await until("100 records", () => values(consumer).length >= 100);
    await restart(broker, signal);
    const cpu = cpuSecondsOf(consumer.pid);
    await until("the consumer to reconnect", () => consumer.stderr().includes("reconnected"));
    await produce(broker.url, topic, 150, 250);
    await until("200 records", () => values(consumer).length >= 200);
    await sleep(500); // anything more would be a duplicate
    expect(values(consumer)).toEqual(range(50, 250));
    expect(gapsAndDuplicates(parseRecords(consumer.stdout()))).toEqual([]);
    expect(consumer.exitCode).toBeUndefined();
    // Idle after catching up: a runaway burns a core; a healthy consumer sleeps.
    const cpuAfter = cpuSecondsOf(consumer.pid) - cpu;
    expect(cpuAfter).toBeLessThan(2);
    measure(`library consumer (${signal})`, consumer, cpu);
    consumer.child.kill("SIGKILL");
  }, 60_000);

  it("CLI consume --follow --from latest: resumes, one stderr line each way", async () => {
    const broker = await procs.broker();
    const topic = "cli-latest";
    await createTopic(broker.url, topic);
    await produce(broker.url, topic, 0, 20);
    const cli = procs.cli(["consume", topic, "--follow", "--from", "latest", "--broker", broker.url]);
    // "latest" is the end the CLI finds once subscribed, which a loaded machine may delay: trickle records
    // until it prints one, and expect everything from that one on (none before 20: they were there first).
    const lines = () => cli.stdout().split("\n").filter(Boolean).map(Number);
    let next = 20;
    while (lines().length === 0) {
      if (next >= 120) throw new Error("consume --from latest printed nothing");
      await produce(broker.url, topic, next, next + 1);
      next++;
      await sleep(250);
    }
    const first = lines()[0]!;
    expect(first).toBeGreaterThanOrEqual(20);
    await produce(broker.url, topic, next, 120);
    await until("every record up to 119", () => lines().length >= 120 - first);
    await restart(broker, signal);
    await until("reconnected", () => cli.stderr().includes("reconnected to"));
    await produce(broker.url, topic, 120, 220);
    await until("every record up to 219", () => lines().length >= 220 - first);
    await sleep(500);
    expect(lines()).toEqual(range(first, 220));
    const status = cli.stderr().split("\n").filter(Boolean);
    expect(status.filter((l) => l.includes("broker unreachable at"))).toHaveLength(1);
    expect(status.filter((l) => l.includes("reconnected to"))).toHaveLength(1);
    measure(`CLI consume --follow (${signal})`, cli);
    cli.child.kill("SIGINT");
    expect(await cli.exited).toBe(130);
  }, 60_000);

  it("CLI consume --follow --group: rejoins after the restart, then Ctrl-C commits what it printed", async () => {
    const broker = await procs.broker();
    const topic = "cli-group";
    const group = `g-${signal}`;
    await createTopic(broker.url, topic, 2);
    const cli = procs.cli(["consume", topic, "--follow", "--from", "earliest", "--group", group, "--broker", broker.url]);
    await produce(broker.url, topic, 0, 100, 0);
    await produce(broker.url, topic, 100, 200, 1);
    await until("200 lines", () => cli.stdout().split("\n").filter(Boolean).length >= 200, 30_000);
    await restart(broker, signal);
    await until("reconnected", () => cli.stderr().includes("reconnected to"));
    await produce(broker.url, topic, 200, 300, 0);
    await until("300 lines", () => cli.stdout().split("\n").filter(Boolean).length >= 300, 30_000);
    await sleep(300);
    const printed = cli.stdout().split("\n").filter(Boolean).map(Number);
    // Nothing printed twice: the member committed what it had printed before rejoining.
    expect([...printed].sort((a, b) => a - b)).toEqual(range(0, 300));
    measure(`CLI consume --group (${signal})`, cli);
    cli.child.kill("SIGINT");
    expect(await cli.exited).toBe(130);
    // The next member of the group starts after everything printed: nothing is repeated.
    const next = procs.cli(["consume", topic, "--group", group, "--broker", broker.url]);
    expect(await next.exited).toBe(0);
    expect(next.stdout()).toBe("");
  }, 90_000);
});

describe("Ctrl-C and SIGTERM in consume --group --follow", () => {
  it.each([
    ["SIGINT", 130],
    ["SIGTERM", 143],
  ] as const)("%s commits what was printed and exits %i; the next run starts right after it", async (signal, code) => {
    const broker = await procs.broker();
    const topic = `sig-${signal}`;
    await createTopic(broker.url, topic);
    await produce(broker.url, topic, 0, 100);
    const first = procs.cli(["consume", topic, "--follow", "--from", "earliest", "--group", "g", "--broker", broker.url]);
    await until("100 lines", () => first.stdout().split("\n").filter(Boolean).length >= 100, 30_000);
    first.child.kill(signal);
    expect(await first.exited).toBe(code);
    expect(first.stderr()).toBe("");
    await produce(broker.url, topic, 100, 110);
    const second = procs.cli(["consume", topic, "--group", "g", "--broker", broker.url]);
    expect(await second.exited).toBe(0);
    expect(second.stdout().split("\n").filter(Boolean).map(Number)).toEqual(range(100, 110));
  }, 60_000);
});

describe("kill during connect, group join and a large fetch; deadlines", () => {
  it("consume --follow started while the broker is down waits for it (one line), then reads", async () => {
    const broker = await procs.broker();
    const topic = "during-connect";
    await createTopic(broker.url, topic);
    await produce(broker.url, topic, 0, 10);
    await broker.kill("SIGKILL");
    const cli = procs.cli(["consume", topic, "--follow", "--from", "earliest", "--broker", broker.url]);
    await until("the retry line", () => cli.stderr().includes("broker unreachable at"));
    await sleep(1000);
    expect(cli.exitCode).toBeUndefined();
    await broker.start();
    await until("10 lines", () => cli.stdout().split("\n").filter(Boolean).length >= 10, 30_000);
    expect(cli.stdout().split("\n").filter(Boolean).map(Number)).toEqual(range(0, 10));
    measure("CLI consume started before the broker", cli);
    cli.child.kill("SIGTERM");
    expect(await cli.exited).toBe(143);
  }, 60_000);

  it("the broker killed while a group join is pending: the member joins the restarted broker and reads everything", async () => {
    const broker = await procs.broker();
    const topic = "during-join";
    await createTopic(broker.url, topic, 2);
    await produce(broker.url, topic, 0, 50, 0);
    await produce(broker.url, topic, 50, 100, 1);
    const cli = procs.cli(["consume", topic, "--follow", "--from", "earliest", "--group", "gj", "--broker", broker.url]);
    // The first member of a new group waits for the initial rebalance delay: kill the broker inside it.
    await sleep(600);
    expect(cli.stdout()).toBe("");
    await restart(broker, "SIGKILL");
    await until("100 lines", () => cli.stdout().split("\n").filter(Boolean).length >= 100, 30_000);
    await sleep(300);
    expect(cli.stdout().split("\n").filter(Boolean).map(Number).sort((a, b) => a - b)).toEqual(range(0, 100));
    measure("CLI consume --group, broker killed during the join", cli);
    cli.child.kill("SIGINT");
    expect(await cli.exited).toBe(130);
  }, 60_000);

  it("the broker killed during a large fetch: the library consumer resumes with no gap and no duplicate", async () => {
    const broker = await procs.broker();
    const topic = "large-fetch";
    await createTopic(broker.url, topic);
    const total = 20_000; // ~20 MiB of 1 KiB records
    for (let i = 0; i < total; i += 2000) await produce(broker.url, topic, i, i + 2000, 0, 1000);
    const consumer = procs.wsConsumer({ url: broker.url, topic, from: "earliest", partitions: [0], windowBytes: 4 * MiB, maxChunkBytes: 1 * MiB });
    await until("part of the topic", () => values(consumer).length >= 3000, 30_000);
    await restart(broker, "SIGKILL");
    await until("every record", () => values(consumer).length >= total, 60_000);
    await sleep(300);
    expect(values(consumer)).toEqual(range(0, total));
    measure("library consumer, broker killed mid-fetch (20 MiB)", consumer);
    consumer.child.kill("SIGKILL");
  }, 120_000);

  it("--timeout: a broker that stays away ends consume --follow with exit 1 and one line, within the deadline", async () => {
    const broker = await procs.broker();
    const topic = "deadline";
    await createTopic(broker.url, topic);
    const cli = procs.cli(["consume", topic, "--follow", "--timeout", "1500", "--broker", broker.url]);
    await sleep(1000);
    await broker.kill("SIGKILL");
    const killed = Date.now();
    const code = await cli.exited;
    const took = Date.now() - killed;
    expect(code).toBe(1);
    expect(took).toBeGreaterThanOrEqual(1400);
    expect(took).toBeLessThan(8000);
    const lines = cli.stderr().split("\n").filter(Boolean);
    expect(lines[0]).toMatch(/broker unreachable at .*, retrying…/);
    expect(lines.slice(1)).toHaveLength(1);
    expect(lines[1]).toMatch(/^rivulet: timed out: broker at .* unreachable for \d+ ms/);
  }, 30_000);

  it("--timeout: a frozen broker (SIGSTOP) ends consume --follow and topics list with exit 1 and one line", async () => {
    const broker = await procs.broker();
    const topic = "frozen";
    await createTopic(broker.url, topic);
    const cli = procs.cli(["consume", topic, "--follow", "--timeout", "1000", "--broker", broker.url]);
    // Freeze only once the consumer is streaming (a record it printed), not after a fixed pause that a loaded
    // machine may outlast while the CLI is still starting: its first request would time out instead.
    await produce(broker.url, topic, 0, 1);
    await until("the consumer's first record", () => cli.stdout().split("\n").filter(Boolean).length >= 1, 20_000);
    broker.proc.child.kill("SIGSTOP");
    try {
      const frozen = Date.now();
      const list = procs.cli(["topics", "list", "--timeout", "1000", "--broker", broker.url]);
      expect(await list.exited).toBe(1);
      expect(list.stderr()).toMatch(/^rivulet: timed out: /);
      expect(await cli.exited).toBe(1);
      const took = Date.now() - frozen;
      // Found dead by a ping within 1.5 deadlines, then unreachable for one more.
      expect(took).toBeLessThan(6000);
      const lines = cli.stderr().split("\n").filter(Boolean);
      expect(lines.at(-1)).toMatch(/^rivulet: timed out: broker at .* unreachable/);
      expect(lines.length).toBeLessThanOrEqual(2);
    } finally {
      broker.proc.child.kill("SIGCONT");
    }
  }, 30_000);

  it("without a deadline, a library consumer waits for a broker that is away (no silent exit after 34 s), in bounded memory", async () => {
    const broker = await procs.broker();
    const topic = "no-deadline";
    await createTopic(broker.url, topic);
    const consumer = procs.wsConsumer({ url: broker.url, topic, from: "earliest", reconnect: { initialDelayMs: 10, maxDelayMs: 100 } });
    await until("subscribed", () => consumer.stderr().includes("started"));
    await broker.kill("SIGKILL");
    const cpu = cpuSecondsOf(consumer.pid);
    // Many more attempts than the old CLI's 10 (maxDelayMs 100: ~40 attempts in 4 s).
    await sleep(4000);
    expect(consumer.exitCode).toBeUndefined();
    expect(consumer.stderr().split("\n").filter((l) => l.startsWith("reconnecting")).length).toBeGreaterThan(15);
    await broker.start();
    await produce(broker.url, topic, 0, 10);
    await until("10 records", () => values(consumer).length >= 10);
    expect(values(consumer)).toEqual(range(0, 10));
    measure("library consumer, broker away 4 s", consumer, cpu);
    consumer.child.kill("SIGKILL");
  }, 60_000);
});

// librdkafka with group.protocol=consumer against the Kafka listener, through node-rdkafka 3.x (librdkafka
// 2.12) or @confluentinc/kafka-javascript (librdkafka 2.15; its node-rdkafka-compatible API), each built from
// the librdkafka source it bundles: KIP-848 as a second, independent client implements it (@platformatic/kafka
// is the first, consumer-group-protocol.test.ts). Each consumer is a child process (clients/rdkafka_client.cjs)
// so it can be stopped, restarted and compared by timestamps. Needs RIVULET_NODE_RDKAFKA=<package dir of
// either> (.ci/run builds both; see docs/kafka.md); without it the file is skipped with that message. With
// RIVULET_CAPTURE=1 the clients' request frames go to test/fixtures/kafka/rdkafka-848/.

import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { createServer } from "node:net";
import { fileURLToPath } from "node:url";
import { CLIENTS_DIR, children, eventually, kafkaServers, run, tempDir, type KafkaTestServer } from "./helpers.js";

const DIR = process.env.RIVULET_NODE_RDKAFKA;
const DRIVER = join(CLIENTS_DIR, "rdkafka_client.cjs");
const SERVE = fileURLToPath(new URL("../../dist/cli/main.js", import.meta.url));
if (!DIR) console.warn("rdkafka-848.test.ts skipped: set RIVULET_NODE_RDKAFKA to a node-rdkafka or @confluentinc/kafka-javascript package dir (librdkafka >= 2.12) to run it");
const pkg = DIR && existsSync(join(DIR, "package.json")) ? (JSON.parse(readFileSync(join(DIR, "package.json"), "utf8")) as { name: string; version: string }) : null;
const CLIENT = pkg ? `${pkg.name} ${pkg.version.replace(/^v/, "")}` : "node-rdkafka";

const servers = kafkaServers();
const procs = children();
let s: KafkaTestServer;
const groups = { consumerHeartbeatIntervalMs: 250, consumerSessionTimeoutMs: 6000, initialRebalanceDelayMs: 0 };

interface Event {
  event: "ready" | "assign" | "revoke" | "record" | "error" | "closed";
  at: number;
  partitions?: number[];
  partition?: number;
  offset?: number;
  value?: string;
  committed?: boolean;
  code?: number;
  message?: string;
  librdkafka?: string;
  protocol?: string;
}

/** One node-rdkafka KafkaConsumer process and what it has printed. */
class RdConsumer {
  readonly events: Event[] = [];
  private readonly child;
  constructor(
    readonly name: string,
    topic: string,
    group: string,
    extra: string[] = [],
    bootstrap = s.bootstrap,
  ) {
    this.child = procs.spawn(process.execPath, [DRIVER, DIR!, "consume", "--bootstrap", bootstrap, "--topic", topic, "--group", group, ...extra]);
    let buffered = "";
    this.child.stdout!.on("data", (d: Buffer) => {
      buffered += d.toString();
      const lines = buffered.split("\n");
      buffered = lines.pop()!;
      for (const line of lines) if (line.startsWith("{")) this.events.push(JSON.parse(line) as Event);
    });
  }
  records(): Event[] {
    return this.events.filter((e) => e.event === "record");
  }
  values(): string[] {
    return this.records().map((e) => e.value!);
  }
  /** The partitions librdkafka holds now, from its incremental assign/revoke callbacks. */
  owned(): number[] {
    const held = new Set<number>();
    for (const e of this.events) {
      if (e.event === "assign") for (const p of e.partitions!) held.add(p);
      if (e.event === "revoke") for (const p of e.partitions!) held.delete(p);
    }
    return [...held].sort((a, b) => a - b);
  }
  errors(): Event[] {
    return this.events.filter((e) => e.event === "error");
  }
  /** SIGTERM: the driver closes the consumer (a KIP-848 leave, epoch -1) and exits. */
  async stop(): Promise<void> {
    this.child.kill("SIGTERM");
    const code = await Promise.race([this.child.exited, new Promise((r) => setTimeout(() => r("timeout"), 20_000))]);
    if (code === "timeout") this.child.kill("SIGKILL");
    expect(code, `${this.name} exits cleanly:\n${this.child.output()}`).toBe(0);
    expect(this.events.at(-1)?.event).toBe("closed");
  }
  kill(): void {
    this.child.kill("SIGKILL");
  }
  output(): string {
    return this.child.output();
  }
}

async function produce(topic: string, prefix: string, count: number, start = 0, bootstrap = s.bootstrap): Promise<void> {
  const r = await run(process.execPath, [DRIVER, DIR!, "produce", "--bootstrap", bootstrap, "--topic", topic, "--prefix", prefix, "--count", String(count), "--start", String(start)], {
    timeoutMs: 30_000,
  });
  expect(r.code, `produce failed:\n${r.stderr}\n${r.stdout}`).toBe(0);
  expect(JSON.parse(r.stdout.trim())).toMatchObject({ delivered: count, errors: [] });
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer().listen(0, "127.0.0.1", () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => resolve(port));
    });
    probe.on("error", reject);
  });
}

/** The WebSocket port a CLI broker logged ("rivulet listening" line, JSON on stderr). */
function wsPort(child: { output(): string }): string {
  const line = child.output().split("\n").find((l) => l.includes('"rivulet listening"'))!;
  return new URL((JSON.parse(line) as { ws: string }).ws).port;
}

const range = (prefix: string, n: number, start = 0) => Array.from({ length: n }, (_, i) => `${prefix}-${start + i}`);
const described = (groupId: string) => s.server.coordinator.describeConsumerGroup(groupId);
const held = (groupId: string) => described(groupId).members.map((m) => m.assignment.map((tp) => tp.partition).sort((a, b) => a - b));

/** Every partition is held by at most one consumer at any time: intervals from the assign/revoke callbacks. */
function assertNeverHeldTwice(consumers: RdConsumer[]): void {
  const spans: { who: string; partition: number; from: number; to: number }[] = [];
  for (const c of consumers) {
    const since = new Map<number, number>();
    for (const e of c.events) {
      if (e.event === "assign") for (const p of e.partitions!) since.set(p, e.at);
      if (e.event === "revoke" || e.event === "closed")
        for (const p of e.event === "closed" ? [...since.keys()] : e.partitions!) {
          spans.push({ who: c.name, partition: p, from: since.get(p)!, to: e.at });
          since.delete(p);
        }
    }
    for (const [p, from] of since) spans.push({ who: c.name, partition: p, from, to: Infinity });
  }
  for (const a of spans)
    for (const b of spans)
      if (a.who < b.who && a.partition === b.partition)
        expect(a.to <= b.from || b.to <= a.from, `partition ${a.partition} held by ${a.who} and ${b.who} at once`).toBe(true);
}

beforeAll(async () => {
  if (!DIR) return;
  expect(existsSync(join(DIR, "package.json")), `RIVULET_NODE_RDKAFKA=${DIR} is not a package dir`).toBe(true);
  s = await servers.start({ capture: "rdkafka-848", groups });
}, 30_000);

describe.skipIf(!DIR)(`${CLIENT} with group.protocol=consumer (KIP-848; needs RIVULET_NODE_RDKAFKA)`, () => {
  it("produces and consumes a round trip (smoke test); librdkafka is 2.12 or newer", async () => {
    await s.server.broker.createTopic("rd-smoke", { partitions: 3 });
    await produce("rd-smoke", "smoke", 30);
    const c = new RdConsumer("smoke", "rd-smoke", "rd-smoke-g");
    try {
      await eventually(() => c.records().length >= 30, 30_000, `30 records:\n${c.output()}`);
      expect(c.values().sort()).toEqual(range("smoke", 30).sort());
      const [major, minor] = c.events[0]!.librdkafka!.split(".").map(Number);
      expect(major! * 100 + minor!, `librdkafka ${c.events[0]!.librdkafka}`).toBeGreaterThanOrEqual(212);
      expect(c.events.find((e) => e.event === "assign")).toMatchObject({ partitions: [0, 1, 2], protocol: "COOPERATIVE" });
      expect(described("rd-smoke-g")).toMatchObject({ state: "Stable", assignor: "uniform", members: [{ subscribedTopicNames: ["rd-smoke"] }] });
      expect(c.errors()).toEqual([]);
    } finally {
      await c.stop();
    }
    await eventually(() => described("rd-smoke-g").state === "Empty", 10_000, "the group empties on close");
  }, 60_000);

  it("two members split the partitions, never hold one twice, and the survivor takes all when one leaves", async () => {
    await s.server.broker.createTopic("rd-split", { partitions: 4 });
    await produce("rd-split", "first", 40);
    const a = new RdConsumer("a", "rd-split", "rd-split-g");
    const b = new RdConsumer("b", "rd-split", "rd-split-g");
    // The broker's view, sampled while the group moves: no partition in two members' current assignment.
    const overlaps: string[] = [];
    const sampler = setInterval(() => {
      const all = held("rd-split-g").flat();
      if (new Set(all).size !== all.length) overlaps.push(JSON.stringify(held("rd-split-g")));
    }, 10);
    try {
      await eventually(() => a.records().length + b.records().length >= 40, 30_000, "the first 40 records");
      await eventually(
        () => described("rd-split-g").state === "Stable" && held("rd-split-g").map((p) => p.length).join() === "2,2" && a.owned().length === 2 && b.owned().length === 2,
        30_000,
        `a 2+2 split:\n${a.output()}\n${b.output()}`,
      );
      expect([...a.owned(), ...b.owned()].sort()).toEqual([0, 1, 2, 3]);
      await produce("rd-split", "second", 40);
      await eventually(() => [...a.values(), ...b.values()].filter((v) => v.startsWith("second-")).length >= 40, 30_000, "the second 40");
      expect(a.values().some((v) => v.startsWith("second-")) && b.values().some((v) => v.startsWith("second-")), "both read the second batch").toBe(true);

      await b.stop();
      await eventually(() => described("rd-split-g").members.length === 1 && a.owned().join() === "0,1,2,3", 30_000, `a takes all four:\n${a.output()}`);
      expect(held("rd-split-g")).toEqual([[0, 1, 2, 3]]);
      await produce("rd-split", "third", 20);
      await eventually(() => a.values().filter((v) => v.startsWith("third-")).length >= 20, 30_000, "a reads the third 20");
      // Every record read once: sync commits after each record, handovers only after the revoke is acknowledged.
      const all = [...a.values(), ...b.values()];
      expect(all.sort()).toEqual([...range("first", 40), ...range("second", 40), ...range("third", 20)].sort());
      expect([...a.errors(), ...b.errors()]).toEqual([]);
    } finally {
      clearInterval(sampler);
      await a.stop();
    }
    expect(overlaps).toEqual([]);
    assertNeverHeldTwice([a, b]);
  }, 120_000);

  it("commits survive a consumer restart: the new process resumes after the last committed record", async () => {
    await s.server.broker.createTopic("rd-resume", { partitions: 2 });
    await produce("rd-resume", "before", 20);
    const first = new RdConsumer("first", "rd-resume", "rd-resume-g");
    await eventually(() => first.records().length >= 20, 30_000, "the first 20");
    await first.stop();
    expect(first.records().every((r) => r.committed)).toBe(true);
    await produce("rd-resume", "after", 10);
    const second = new RdConsumer("second", "rd-resume", "rd-resume-g");
    try {
      await eventually(() => second.records().length >= 10, 30_000, "the next 10");
      await new Promise((r) => setTimeout(r, 1000)); // anything re-read would have arrived by now
      expect(second.values().sort()).toEqual(range("after", 10).sort());
    } finally {
      await second.stop();
    }
  }, 60_000);

  it("kill -9 of a consumer mid-read: its partitions move on after its session, committed records are not re-read", async () => {
    await s.server.broker.createTopic("rd-crash", { partitions: 2 });
    await produce("rd-crash", "c", 60);
    const doomed = new RdConsumer("doomed", "rd-crash", "rd-crash-g", ["--delay-ms", "50"]);
    await eventually(() => doomed.records().length >= 10, 30_000, "the doomed consumer reads");
    doomed.kill();
    const heir = new RdConsumer("heir", "rd-crash", "rd-crash-g");
    try {
      // The dead member keeps its partitions until consumerSessionTimeoutMs (6 s here), then the heir gets them.
      await eventually(() => heir.owned().join() === "0,1", 30_000, `the heir takes both partitions:\n${heir.output()}`);
      await eventually(() => new Set([...doomed.values(), ...heir.values()]).size >= 60, 30_000, "all 60 between them");
      const committed = new Set(doomed.records().filter((r) => r.committed).map((r) => r.value));
      expect(heir.values().filter((v) => committed.has(v)), "re-read although committed").toEqual([]);
      expect(described("rd-crash-g").members).toHaveLength(1);
    } finally {
      await heir.stop();
    }
  }, 60_000);

  it("a broker restart mid-consumption: the member keeps its epoch and partitions (no revoke, no assign) and re-reads nothing it committed", async () => {
    await s.server.broker.createTopic("rd-bounce", { partitions: 2 });
    await produce("rd-bounce", "r", 60);
    // 50 ms per record: the restart lands while it is still reading.
    const c = new RdConsumer("c", "rd-bounce", "rd-bounce-g", ["--delay-ms", "50"]);
    try {
      await eventually(() => c.records().length >= 10, 30_000, "the first records");
      const epochBefore = described("rd-bounce-g").groupEpoch;
      expect(epochBefore).toBeGreaterThan(0);
      const restartedAt = Date.now();
      await s.restart();
      await produce("rd-bounce", "r", 20, 60);
      await eventually(() => new Set(c.values()).size >= 80, 60_000, `all 80 after the restart:\n${c.output()}`);
      // Membership is durable (group metadata records): the restarted broker knows the member, its epoch
      // and its partitions, so librdkafka heartbeats on with its epoch and is never told to let go.
      await eventually(() => described("rd-bounce-g").state === "Stable" && held("rd-bounce-g").join() === "0,1", 15_000, "the member holds both");
      const after = c.events.filter((e) => e.at > restartedAt);
      expect(after.filter((e) => e.event === "revoke" || e.event === "assign"), c.output()).toEqual([]);
      expect(described("rd-bounce-g").groupEpoch).toBe(epochBefore);
      const firstBatchAfter = c.records().filter((r) => r.at > restartedAt && Number(r.value!.slice(2)) < 60);
      expect(firstBatchAfter.length, "still reading the first 60 when the broker restarted").toBeGreaterThan(0);
      // At-least-once: a record is read twice only if its commit did not succeed the first time.
      const seen = new Map<string, Event>();
      for (const r of c.records()) {
        const earlier = seen.get(r.value!);
        if (earlier) expect(earlier.committed, `${r.value} re-read although committed`).toBe(false);
        seen.set(r.value!, r);
      }
      expect(new Set(c.values())).toEqual(new Set(range("r", 80)));
    } finally {
      await c.stop();
    }
  }, 120_000);

  it("kill -9 of the broker process mid-consumption: the member keeps its partitions on the new process and re-reads nothing it committed", async () => {
    // The CLI broker as a child (dist/), on a fixed Kafka port so the consumer's bootstrap stays valid.
    const dataDir = tempDir("rivulet-rd848-kill-");
    const port = await freePort();
    const serve = async () => {
      const child = procs.spawn(process.execPath, [SERVE, "serve", "--data-dir", dataDir, "--port", "0", "--kafka-port", String(port), "--host", "127.0.0.1"]);
      await eventually(() => child.output().includes('"rivulet listening"') || child.exitCode !== null, 30_000, "the broker starts");
      expect(child.exitCode, child.output()).toBe(null);
      return child;
    };
    let broker = await serve();
    const bootstrap = `127.0.0.1:${port}`;
    const created = await run(process.execPath, [SERVE, "topics", "create", "rd-kill", "--partitions", "2", "--broker", `ws://127.0.0.1:${wsPort(broker)}/ws`]);
    expect(created.code, created.stderr).toBe(0);
    await produce("rd-kill", "r", 60, 0, bootstrap);
    const c = new RdConsumer("k", "rd-kill", "rd-kill-g", ["--delay-ms", "50"], bootstrap);
    try {
      await eventually(() => c.records().length >= 10, 30_000, `the first records:\n${c.output()}`);
      broker.kill("SIGKILL");
      await broker.exited;
      const killedAt = Date.now();
      broker = await serve();
      await produce("rd-kill", "r", 20, 60, bootstrap);
      await eventually(() => new Set(c.values()).size >= 80, 90_000, `all 80 after the kill:\n${c.output()}`);
      // The new process restored the group from __consumer_offsets: no revoke, no assign.
      expect(c.events.filter((e) => e.at > killedAt && (e.event === "assign" || e.event === "revoke")), c.output()).toEqual([]);
      expect(c.records().filter((r) => r.at > killedAt && Number(r.value!.slice(2)) < 60).length, "still reading the first 60 at the kill").toBeGreaterThan(0);
      const seen = new Map<string, Event>();
      for (const r of c.records()) {
        const earlier = seen.get(r.value!);
        if (earlier) expect(earlier.committed, `${r.value} re-read although its commit was acknowledged before the kill`).toBe(false);
        seen.set(r.value!, r);
      }
      expect(new Set(c.values())).toEqual(new Set(range("r", 80)));
    } finally {
      await c.stop();
      broker.kill("SIGTERM");
      await broker.exited;
    }
  }, 180_000);

  it("a regex subscription (^rd-re-.*) is resolved by the broker, and a matching topic created later is added", async () => {
    await s.server.broker.createTopic("rd-re-a", { partitions: 2 });
    await s.server.broker.createTopic("rd-other", { partitions: 1 });
    await produce("rd-re-a", "a", 10);
    await produce("rd-other", "o", 3);
    const c = new RdConsumer("re", "^rd-re-.*", "rd-re-g");
    try {
      await eventually(() => new Set(c.values()).size >= 10, 30_000, `the first topic's records:\n${c.output()}`);
      const member = described("rd-re-g").members[0]!;
      expect(member.subscribedTopicRegex, "librdkafka sent the pattern as SubscribedTopicRegex").toMatch(/rd-re-/);
      const epoch = described("rd-re-g").groupEpoch;
      await s.server.broker.createTopic("rd-re-b", { partitions: 1 });
      await produce("rd-re-b", "b", 5);
      await eventually(() => range("b", 5).every((v) => c.values().includes(v)), 60_000, `the new topic's records:\n${c.output()}`);
      expect(described("rd-re-g").groupEpoch).toBeGreaterThan(epoch);
      expect(c.values().some((v) => v.startsWith("o-")), "nothing from a topic the pattern does not match").toBe(false);
      expect(c.errors()).toEqual([]);
    } finally {
      await c.stop();
    }
  }, 90_000);

  it("a classic-protocol member joining the consumer group is taken in (online migration): the partitions are shared, none held twice", async () => {
    await s.server.broker.createTopic("rd-mixed", { partitions: 2 });
    const modern = new RdConsumer("modern", "rd-mixed", "rd-mixed-g");
    let classic: RdConsumer | undefined;
    try {
      await eventually(() => modern.owned().length === 2, 30_000, "the consumer-protocol member joins");
      classic = new RdConsumer("classic", "rd-mixed", "rd-mixed-g", ["--protocol", "classic"]);
      await eventually(
        () => described("rd-mixed-g").members.length === 2 && classic!.owned().length === 1 && modern.owned().length === 1,
        30_000,
        `one partition each:\n${classic.output()}\n${modern.output()}`,
      );
      expect([...classic.owned(), ...modern.owned()].sort()).toEqual([0, 1]);
      expect(classic.errors()).toEqual([]);
      assertNeverHeldTwice([modern, classic]);
    } finally {
      await classic?.stop();
      await modern.stop();
    }
  }, 60_000);
});

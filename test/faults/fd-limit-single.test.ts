// A single broker out of file descriptors (test/cluster/fd-limit.test.ts covers cluster mode): one
// `rivulet serve` child whose RLIMIT_NOFILE is lowered while it runs (util-linux `prlimit --pid`, which
// needs root or CAP_SYS_RESOURCE; skipped with a message elsewhere). Connections flood BOTH the Kafka and
// the WebSocket port until no descriptor is left. The broker must stay up, keep serving the connections it
// already has, refuse or close what it cannot accept (no hang), log the exhaustion once rather than per
// accept, and accept again once connections close. A topic created and produced to while out of
// descriptors (its segment files cannot be opened) fails with a typed retriable error, not a crashed
// shard, and the same works once descriptors are free again.

import { execFileSync, spawn, spawnSync } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import { createConnection, type Socket } from "node:net";
import { afterAll, describe, expect, it } from "vitest";
import { connect } from "../../src/client/index.js";
import { encodeRecordBatch } from "../../src/core/index.js";
import { KafkaErrors } from "../../src/errors/index.js";
import { ApiKey } from "../../src/protocol/kafka/index.js";
import { Child, cleanup, freePort, MAIN, sleep, tempDir, until } from "../cluster/harness.js";
import { Connection } from "../transactions/wire.js";

afterAll(cleanup);

const prlimitWorks = spawnSync("prlimit", ["--pid", String(process.pid), "--nofile"]).status === 0 && process.getuid?.() === 0;
const apiVersions = (c: Connection) => c.call(ApiKey.ApiVersions, 3, { clientSoftwareName: "fd-single", clientSoftwareVersion: "1" });
const RETRIABLE = new Set<number>(Object.values(KafkaErrors).filter((e) => e.retriable).map((e) => e.code));

const createMessages: (string | null | undefined)[] = [];
async function createTopic(c: Connection, name: string, partitions: number): Promise<number> {
  const r = await c.call(ApiKey.CreateTopics, 5, { topics: [{ name, numPartitions: partitions, replicationFactor: 1, assignments: [], configs: [] }], timeoutMs: 5000, validateOnly: false });
  createMessages.push(r.topics[0]!.errorMessage);
  return r.topics[0]!.errorCode;
}

/** Produce v9 of one record per partition; each partition's error code. */
async function produce(c: Connection, topic: string, partitions: number, value: string): Promise<number[]> {
  const r = await c.call(ApiKey.Produce, 9, {
    transactionalId: null, acks: -1, timeoutMs: 5000,
    topicData: [{ name: topic, partitionData: Array.from({ length: partitions }, (_, index) => ({ index, records: encodeRecordBatch([{ value }]) })) }],
  });
  return r.responses[0]!.partitionResponses.map((p) => p.errorCode);
}

/** Opens `count` Kafka connections, each asked ApiVersions: how many answered; refused ones closed (none may hang). */
async function floodKafka(port: number, count: number): Promise<{ answered: number; refused: number; sockets: Connection[] }> {
  const sockets: Connection[] = [];
  let answered = 0;
  let refused = 0;
  await Promise.all(Array.from({ length: count }, async () => {
    try {
      const c = await Connection.open(port);
      sockets.push(c);
      const r = await Promise.race([apiVersions(c), sleep(5000).then(() => "timeout" as const)]);
      if (r === "timeout") throw new Error("a Kafka connection neither answered nor closed in 5 s");
      answered++;
    } catch (error) {
      if ((error as Error).message.includes("neither answered")) throw error;
      refused++;
    }
  }));
  return { answered, refused, sockets };
}

/** Opens `count` WebSocket upgrades on the WS port: how many completed, how many were closed instead. */
async function floodWs(port: number, count: number): Promise<{ upgraded: number; closed: number; sockets: Socket[] }> {
  const sockets: Socket[] = [];
  let upgraded = 0;
  let closed = 0;
  await Promise.all(Array.from({ length: count }, () => new Promise<void>((resolve, reject) => {
    const s = createConnection({ host: "127.0.0.1", port });
    sockets.push(s);
    let seen = "";
    const timer = setTimeout(() => reject(new Error("a WebSocket connection neither upgraded nor closed in 5 s")), 5000);
    let finished = false;
    const done = (ok: boolean) => {
      if (finished) return;
      finished = true;
      clearTimeout(timer);
      if (ok) upgraded++;
      else closed++;
      resolve();
    };
    s.on("connect", () => s.write(`GET /ws HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n`));
    s.on("data", (d: Buffer) => {
      seen += d.toString("latin1");
      if (seen.includes("\r\n\r\n")) done(seen.startsWith("HTTP/1.1 101"));
    });
    s.on("error", () => undefined);
    s.on("close", () => done(false));
  })));
  return { upgraded, closed, sockets };
}

describe("a single broker out of file descriptors", () => {
  it.skipIf(process.platform !== "linux").for(["uws", "node"] as const)("%s transport: keeps serving open connections on both ports, refuses new ones without crashing, logs once, fails segment opens with a retriable error, and recovers", { timeout: 120_000 }, async (transport, ctx) => {
    if (!prlimitWorks) {
      console.warn("fd-limit-single skipped: needs root and util-linux prlimit to lower a running broker's RLIMIT_NOFILE");
      return ctx.skip();
    }
    const dataDir = tempDir("fd-single");
    const [wsPort, kafkaPort] = [await freePort(), await freePort()];
    const broker = new Child(spawn(process.execPath, [MAIN, "serve", "--data-dir", dataDir, "--port", String(wsPort), "--kafka-port", String(kafkaPort), "--shards", "1", "--transport", transport], { stdio: ["ignore", "pipe", "pipe"] }));
    await until("the broker listening", () => {
      if (!broker.alive()) throw new Error(`broker exited:\n${broker.out}`);
      return broker.out.includes("rivulet listening");
    }, 30_000);
    await until("the transport asked for", () => {
      if (!broker.out.includes(`"transport":"${transport}"`)) throw new Error(`not on ${transport}:\n${broker.out}`);
      return true;
    }, 30_000);

    const kept = await Connection.open(kafkaPort);
    expect(await createTopic(kept, "fds", 2)).toBe(KafkaErrors.NONE.code);
    expect(await produce(kept, "fds", 2, "before")).toEqual([0, 0]);
    const ws = await connect({ url: `ws://127.0.0.1:${wsPort}/ws`, reconnect: false } as never);
    expect(await ws.admin.partitionCount("fds")).toBe(2);

    const inUse = readdirSync(`/proc/${broker.pid}/fd`).length;
    const limit = inUse + 48;
    execFileSync("prlimit", ["--pid", String(broker.pid), `--nofile=${limit}:${limit}`]);
    const logStart = broker.out.length;
    await sleep(2300); // the broker re-reads its limit at least every 2 s
    const cpuTicks = () => readFileSync(`/proc/${broker.pid}/stat`, "utf8").split(") ")[1]!.split(" ").slice(11, 13).reduce((a, b) => a + Number(b), 0);

    // Phase 1: connections take what the limit allows, less the reserve; the rest are closed at once.
    const wsFirst = await floodWs(wsPort, 12);
    const kafkaFlood = await floodKafka(kafkaPort, 80);
    const wsFlood = await floodWs(wsPort, 20);
    console.log(`fd-limit-single (${transport}): ${inUse} fds in use, limit ${limit}; 12 WebSocket upgrades: ${wsFirst.upgraded} upgraded; then 80 Kafka connections: ${kafkaFlood.answered} answered, ${kafkaFlood.refused} refused; then 20 WebSocket upgrades: ${wsFlood.upgraded} upgraded, ${wsFlood.closed} closed`);
    expect(wsFirst.upgraded, "WebSocket connections are accepted while descriptors are free").toBe(12);
    expect(kafkaFlood.answered, "it accepted what it could").toBeGreaterThan(0);
    expect(kafkaFlood.refused, "Kafka connections had to be refused").toBeGreaterThan(0);
    expect(wsFlood.closed, "WebSocket connections had to be refused").toBeGreaterThan(0);
    expect(broker.alive()).toBe(true);
    // Refusing is cheap: no accept loop spinning on EMFILE while clients keep knocking.
    const before = cpuTicks();
    const knocking = await Promise.all([floodKafka(kafkaPort, 20), floodWs(wsPort, 20)]);
    await sleep(1000);
    const spent = cpuTicks() - before;
    for (const s of knocking[1].sockets) s.destroy();
    for (const c of knocking[0].sockets) c.close();
    console.log(`fd-limit-single (${transport}): ${spent} CPU ticks (1/100 s) over ~1 s of refused connections`);
    expect(spent, "the broker burns a core while refusing").toBeLessThan(60);

    // Its open connections are served, on both ports; existing partitions take writes.
    expect((await apiVersions(kept)).errorCode).toBe(0);
    expect(await ws.admin.partitionCount("fds")).toBe(2);
    expect(await produce(kept, "fds", 2, "during")).toEqual([0, 0]);

    // Logged once per episode, not once per refused connection.
    const refusals = broker.out.slice(logStart).split("\n").filter((l) => l.includes("out of file descriptors"));
    expect(refusals.length, refusals.slice(0, 5).join("\n")).toBe(1);

    // Phase 2: no descriptor left at all (the limit lowered to what is open). A new topic's partitions
    // need segment files: a typed, retriable error on CreateTopics or on the Produce that follows;
    // never a crash or a hang; the open connection still answers.
    const open = readdirSync(`/proc/${broker.pid}/fd`).length;
    execFileSync("prlimit", ["--pid", String(broker.pid), `--nofile=${open}:${limit}`]);
    const created = await createTopic(kept, "fds-new", 4);
    const during = await produce(kept, "fds-new", 4, "new-during");
    console.log(`fd-limit-single (${transport}): CreateTopics with no descriptor left -> ${created} (${createMessages.at(-1)}); Produce -> [${during.join(", ")}]`);
    expect(created === KafkaErrors.NONE.code || RETRIABLE.has(created), `CreateTopics answered ${created} (${createMessages.at(-1)})`).toBe(true);
    for (const code of during) expect(code === 0 || RETRIABLE.has(code), `Produce answered ${code}`).toBe(true);
    expect(created !== KafkaErrors.NONE.code || during.some((c) => c !== 0), "something had to fail for lack of descriptors").toBe(true);
    expect(broker.alive()).toBe(true);
    expect((await apiVersions(kept)).errorCode).toBe(0);
    expect(await produce(kept, "fds", 2, "no-fd-left")).toEqual([0, 0]); // open segments need no new descriptor
    execFileSync("prlimit", ["--pid", String(broker.pid), `--nofile=${limit}:${limit}`]);

    // Descriptors freed: new connections on both ports, and the new topic works.
    for (const c of kafkaFlood.sockets) c.close();
    for (const s of [...wsFirst.sockets, ...wsFlood.sockets]) s.destroy();
    await until("new Kafka connections accepted again", async () => {
      const r = await floodKafka(kafkaPort, 5);
      for (const c of r.sockets) c.close();
      return r.answered === 5;
    }, 20_000);
    const ws2 = await until("new WebSocket connections accepted again", async () => {
      const r = await floodWs(wsPort, 3);
      for (const s of r.sockets) s.destroy();
      return r.upgraded === 3 ? connect({ url: `ws://127.0.0.1:${wsPort}/ws`, reconnect: false } as never) : undefined;
    }, 20_000);
    expect(await ws2.admin.partitionCount("fds")).toBe(2);
    const again = await until("the new topic usable", async () => {
      const code = await createTopic(kept, "fds-new", 4);
      if (code !== 0 && code !== KafkaErrors.TOPIC_ALREADY_EXISTS.code) {
        return undefined;
      }
      const codes = await produce(kept, "fds-new", 4, "new-after");
      return codes.every((c) => c === 0) ? codes : undefined;
    }, 20_000);
    expect(again).toEqual([0, 0, 0, 0]);
    expect(await produce(kept, "fds", 2, "after")).toEqual([0, 0]);
    const emfileLines = broker.out.slice(logStart).split("\n").filter((l) => l.includes("EMFILE"));
    console.log(`fd-limit-single (${transport}): ${emfileLines.length} log lines mention EMFILE:\n${emfileLines.map((l) => l.slice(0, 160)).join("\n")}`);
    ws2.close();
    ws.close();
    kept.close();
    expect(broker.alive()).toBe(true);
  });
});

// Features that write a file other than a segment's, while the broker has no file descriptor left (one
// `rivulet serve` child, as test/faults/fd-limit-single.test.ts; its RLIMIT_NOFILE is lowered while it runs
// with util-linux `prlimit --pid`, which needs root). The soft limit is set to the lowest descriptor number
// the broker does not hold, so its next open() fails with EMFILE whatever it opens, while every descriptor
// it holds (sockets, active segments) keeps working. Each feature's own file write then fails:
//
// - DeleteRecords (Kafka API 21, WebSocket DELETE_RECORDS): the partition.checkpoint rewrite;
// - OffsetCommit (Kafka API 8, WebSocket COMMIT): the __consumer_offsets append, which has to roll a new
//   segment (the topic's segment.bytes is lowered to the floor, 14, so every append rolls);
// - EndTxn: the PrepareCommit record (a __transaction_state roll, likewise), and the commit marker (a roll
//   of the data partition; the transaction also carries a TxnOffsetCommit) once the decision is durable;
// - IncrementalAlterConfigs (Kafka API 44, WebSocket ALTER_TOPIC_CONFIGS): the topics.json rewrite.
//
// For each: a typed error, never success (the marker case answers NONE: the decision is durable, as Kafka);
// nothing changed (log start, committed offset, config, read_committed view); the broker's log names EMFILE
// once; the broker stays up and answers; and once descriptors are free the same request succeeds and
// survives a kill -9 and restart.

import { execFileSync, spawn, spawnSync } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import { afterAll, describe, expect, it } from "vitest";
import { connect, type RivuletClient } from "../../src/client/index.js";
import { batchSpans, decodeRecordBatch, encodeRecordBatch } from "../../src/core/index.js";
import { KafkaErrors } from "../../src/errors/index.js";
import { ApiKey } from "../../src/protocol/kafka/index.js";
import { Child, cleanup, freePort, MAIN, sleep, tempDir, until } from "../cluster/harness.js";
import { createTopic, readCommitted, txBatch } from "../transactions/v2-steps.js";
import { Connection } from "../transactions/wire.js";

afterAll(cleanup);

const prlimitWorks = spawnSync("prlimit", ["--pid", String(process.pid), "--nofile"]).status === 0 && process.getuid?.() === 0;
const E = KafkaErrors;

/** The broker's descriptors, by number. */
const fdsOf = (pid: number) => new Set(readdirSync(`/proc/${pid}/fd`).map(Number));

/** The soft limit that leaves no descriptor free: the lowest number not held (rechecked: one closed meanwhile would be a hole). */
function exhaust(pid: number, hard: number): number {
  for (let attempt = 0; attempt < 50; attempt++) {
    const held = fdsOf(pid);
    let lowest = 0;
    while (held.has(lowest)) lowest++;
    execFileSync("prlimit", ["--pid", String(pid), `--nofile=${lowest}:${hard}`]);
    const now = fdsOf(pid);
    if (Array.from({ length: lowest }, (_, fd) => fd).every((fd) => now.has(fd))) return lowest;
  }
  throw new Error("could not leave the broker without a free descriptor");
}

function limitsOf(pid: number): { soft: number; hard: number } {
  const m = /^Max open files\s+(\d+)\s+(\d+)/m.exec(readFileSync(`/proc/${pid}/limits`, "utf8"))!;
  return { soft: Number(m[1]), hard: Number(m[2]) };
}

async function startBroker(dataDir: string, wsPort: number, kafkaPort: number): Promise<Child> {
  const broker = new Child(spawn(process.execPath, [
    MAIN, "serve", "--data-dir", dataDir, "--port", String(wsPort), "--kafka-port", String(kafkaPort), "--shards", "1", "--min-segment-bytes", "14",
  ], { stdio: ["ignore", "pipe", "pipe"] }));
  await until("the broker listening", () => {
    if (!broker.alive()) throw new Error(`broker exited:\n${broker.out}`);
    return broker.out.includes("rivulet listening");
  }, 30_000);
  return broker;
}

const apiVersions = (c: Connection) => c.call(ApiKey.ApiVersions, 3, { clientSoftwareName: "fd-features", clientSoftwareVersion: "1" });

async function produce(c: Connection, topic: string, values: string[]): Promise<number> {
  const r = await c.call(ApiKey.Produce, 9, { transactionalId: null, acks: -1, timeoutMs: 5000, topicData: [{ name: topic, partitionData: [{ index: 0, records: encodeRecordBatch(values.map((value) => ({ value }))) }] }] });
  return r.responses[0]!.partitionResponses[0]!.errorCode;
}

/** A read_uncommitted Fetch v11 of partition 0 from `offset`: its error code and the values. */
async function fetchFrom(c: Connection, topic: string, offset: bigint): Promise<{ errorCode: number; values: string[] }> {
  const r = await c.call(ApiKey.Fetch, 11, {
    replicaId: -1, maxWaitMs: 0, minBytes: 0, maxBytes: 1 << 20, isolationLevel: 0, sessionId: 0, sessionEpoch: -1,
    topics: [{ topic, partitions: [{ partition: 0, currentLeaderEpoch: -1, fetchOffset: offset, logStartOffset: -1n, partitionMaxBytes: 1 << 20 }] }],
    forgottenTopicsData: [], rackId: "",
  });
  const p = r.responses[0]!.partitions[0]!;
  const bytes = (p.records ?? new Uint8Array()) as Uint8Array;
  const values: string[] = [];
  for (const sp of batchSpans(bytes)) {
    const batch = decodeRecordBatch(bytes.subarray(sp.start, sp.start + sp.size));
    for (const rec of batch.records) if (rec.offset >= offset) values.push(new TextDecoder().decode(rec.value!));
  }
  return { errorCode: p.errorCode, values };
}

const deleteRecords = async (c: Connection, topic: string, offset: bigint) =>
  (await c.call(ApiKey.DeleteRecords, 2, { topics: [{ name: topic, partitions: [{ partitionIndex: 0, offset }] }], timeoutMs: 5000 })).topics[0]!.partitions[0]!;

async function earliest(c: Connection, topic: string): Promise<bigint> {
  const r = await c.call(ApiKey.ListOffsets, 7, { replicaId: -1, isolationLevel: 0, topics: [{ name: topic, partitions: [{ partitionIndex: 0, currentLeaderEpoch: -1, timestamp: -2n }] }] });
  return r.topics[0]!.partitions[0]!.offset!;
}

const commit = async (c: Connection, groupId: string, topic: string, offset: bigint) =>
  (await c.call(ApiKey.OffsetCommit, 8, { groupId, generationIdOrMemberEpoch: -1, memberId: "", groupInstanceId: null, retentionTimeMs: -1n, topics: [{ name: topic, partitions: [{ partitionIndex: 0, committedOffset: offset, committedLeaderEpoch: -1, committedMetadata: "" }] }] })).topics[0]!.partitions[0]!.errorCode;

const committed = async (c: Connection, groupId: string, topic: string) =>
  (await c.call(ApiKey.OffsetFetch, 5, { groupId, topics: [{ name: topic, partitionIndexes: [0] }] })).topics[0]!.partitions[0]!.committedOffset;

const alterConfig = async (c: Connection, topic: string, name: string, value: string) =>
  (await c.call(ApiKey.IncrementalAlterConfigs, 1, { resources: [{ resourceType: 2, resourceName: topic, configs: [{ name, configOperation: 0, value }] }], validateOnly: false })).responses[0]!;

async function configOf(c: Connection, topic: string, name: string): Promise<string | null | undefined> {
  const r = await c.call(ApiKey.DescribeConfigs, 4, { resources: [{ resourceType: 2, resourceName: topic, configurationKeys: [name] }], includeSynonyms: false, includeDocumentation: false });
  return r.results[0]!.configs.find((x) => x.name === name)?.value;
}

const txnState = async (c: Connection, id: string) => (await c.call(ApiKey.DescribeTransactions, 0, { transactionalIds: [id] })).transactionStates[0]!.transactionState;

/** InitProducerId v3, AddPartitionsToTxn v3 and a transactional Produce of one record: the open transaction's producer. */
async function openTransaction(c: Connection, id: string, topic: string, partition: number, value: string): Promise<{ producerId: bigint; producerEpoch: number }> {
  const init = await c.call(ApiKey.InitProducerId, 3, { transactionalId: id, transactionTimeoutMs: 60_000, producerId: -1n, producerEpoch: -1 });
  expect(init.errorCode).toBe(0);
  const { producerId, producerEpoch } = init;
  const added = await c.call(ApiKey.AddPartitionsToTxn, 3, { transactionalId: id, producerId, producerEpoch, topics: [{ name: topic, partitions: [partition] }] } as never);
  expect(added.results.flatMap((t) => t.results.map((p) => p.partitionErrorCode))).toEqual([0]);
  const produced = await c.call(ApiKey.Produce, 9, { transactionalId: id, acks: -1, timeoutMs: 5000, topicData: [{ name: topic, partitionData: [{ index: partition, records: txBatch(producerId, producerEpoch, value) }] }] });
  expect(produced.responses[0]!.partitionResponses[0]!.errorCode).toBe(0);
  return { producerId, producerEpoch };
}

const endTxn = async (c: Connection, id: string, p: { producerId: bigint; producerEpoch: number }, committed: boolean) =>
  (await c.call(ApiKey.EndTxn, 3, { transactionalId: id, ...p, committed })).errorCode;

/** The WebSocket client's error as "<code>: <message>" (or "resolved"); every error here must be retriable. */
const wsOutcome = (p: Promise<unknown>) => p.then(() => "resolved", (e: Error & { code?: string; retriable?: boolean }) => `${e.code}: ${e.message}${e.retriable ? "" : " (not retriable)"}`);

describe("a single broker out of file descriptors: features that write files other than segments", () => {
  it.skipIf(process.platform !== "linux")("DeleteRecords, OffsetCommit, EndTxn and IncrementalAlterConfigs fail typed and change nothing, on both doors; the broker stays up, logs once, and the same requests succeed afterwards and survive kill -9", { timeout: 90_000 }, async (ctx) => {
    if (!prlimitWorks) {
      console.warn("fd-limit-features skipped: needs root and util-linux prlimit to lower a running broker's RLIMIT_NOFILE");
      return ctx.skip();
    }
    const dataDir = tempDir("fd-features");
    const [wsPort, kafkaPort] = [await freePort(), await freePort()];
    let broker = await startBroker(dataDir, wsPort, kafkaPort);
    const { soft, hard } = limitsOf(broker.pid);
    let kc = await Connection.open(kafkaPort);
    let ws: RivuletClient = await connect({ url: `ws://127.0.0.1:${wsPort}/ws`, reconnect: false } as never);

    // ---- set-up, descriptors free ----
    for (const [name, partitions] of [["dr", 1], ["oc", 1], ["cfg", 1], ["txd", 2]] as const) expect(await createTopic(kc, name, partitions)).toBe(0);
    const txm = await kc.call(ApiKey.CreateTopics, 4, { topics: [{ name: "txm", numPartitions: 1, replicationFactor: 1, assignments: [], configs: [{ name: "segment.bytes", value: "14" }] }], timeoutMs: 5000, validateOnly: false });
    expect(txm.topics[0]!.errorCode).toBe(0);
    for (let i = 0; i < 10; i++) expect(await produce(kc, "dr", [`r${i}`])).toBe(0);
    expect(await commit(kc, "g-kafka", "oc", 5n)).toBe(0);
    await ws.admin.commitOffsets("g-ws", [{ topic: "oc", partition: 0, offset: 7n }]);
    // Every later __consumer_offsets append rolls a segment: it needs new descriptors.
    expect((await alterConfig(kc, "__consumer_offsets", "segment.bytes", "14")).errorCode).toBe(0);
    const markers = await openTransaction(kc, "tx-markers", "txm", 0, "m");
    // The transaction also commits a consumer's offset: it must reach OffsetFetch only with the commit.
    expect((await kc.call(ApiKey.AddOffsetsToTxn, 3, { transactionalId: "tx-markers", ...markers, groupId: "g-txn" })).errorCode).toBe(0);
    const txnOffsets = await kc.call(ApiKey.TxnOffsetCommit, 3, {
      transactionalId: "tx-markers", groupId: "g-txn", ...markers, generationId: -1, memberId: "", groupInstanceId: null,
      topics: [{ name: "oc", partitions: [{ partitionIndex: 0, committedOffset: 3n, committedLeaderEpoch: -1, committedMetadata: null }] }],
    });
    expect(txnOffsets.topics[0]!.partitions[0]!.errorCode).toBe(0);
    const defaultMaxMessageBytes = await configOf(kc, "cfg", "max.message.bytes");
    const defaultRetention = (await ws.admin.describeTopic("cfg")).configs.find((c) => c.name === "retention.ms")!.value;

    // ---- phase A: no descriptor left ----
    const logA = broker.out.length;
    const limitA = exhaust(broker.pid, hard);

    // 1. DeleteRecords: the checkpoint cannot be written, so the log start must not move.
    const drKafka = await deleteRecords(kc, "dr", 4n);
    const drKafkaAgain = await deleteRecords(kc, "dr", 4n);
    const drWs = await wsOutcome(ws.admin.deleteRecords("dr", [{ partition: 0, offset: 6n }]));
    const startDuring = await earliest(kc, "dr");
    const wsStartDuring = (await ws.admin.listOffsets("dr", 0, "earliest")).offset;
    const fromOldStart = await fetchFrom(kc, "dr", 0n);

    // 2. OffsetCommit: the __consumer_offsets append cannot roll.
    const ocKafka = await commit(kc, "g-kafka", "oc", 50n);
    const ocKafkaAgain = await commit(kc, "g-kafka", "oc", 50n);
    const ocWs = await wsOutcome(ws.admin.commitOffsets("g-ws", [{ topic: "oc", partition: 0, offset: 70n }]));
    const ocKafkaDuring = await committed(kc, "g-kafka", "oc");
    const ocWsDuring = (await ws.admin.committedOffsets("g-ws", ["oc"]))[0]!.offset;

    // 3. Configs: topics.json cannot be rewritten; the old value stays in effect (a 1000-byte record is
    //    still accepted, though the refused change would cap records at 100 bytes).
    const cfgKafka = await alterConfig(kc, "cfg", "max.message.bytes", "100");
    const cfgWs = await wsOutcome(ws.admin.alterTopicConfigs("cfg", { set: { "retention.ms": "1234" } }));
    const maxDuring = await configOf(kc, "cfg", "max.message.bytes");
    const retentionDuring = (await ws.admin.describeTopic("cfg")).configs.find((c) => c.name === "retention.ms")!.value;
    const bigProduce = await produce(kc, "cfg", ["x".repeat(1000)]);

    // 4. EndTxn whose commit marker needs a new segment: the decision (PrepareCommit) is durable, so NONE;
    //    read_committed readers see nothing of it until the marker is written.
    const endMarkers = await endTxn(kc, "tx-markers", markers, true);
    const endMarkersAgain = await endTxn(kc, "tx-markers", markers, true);
    const txmDuring = await readCommitted(kc, "txm", 0);
    const txmStateDuring = await txnState(kc, "tx-markers");
    const txnOffsetDuring = await committed(kc, "g-txn", "oc");

    // Long enough for the coordinator's marker retries (every second) to run a few times.
    await sleep(2500);
    const aliveA = broker.alive();
    const versionsA = (await apiVersions(kc)).errorCode;
    execFileSync("prlimit", ["--pid", String(broker.pid), `--nofile=${soft}:${hard}`]);
    const outA = broker.out.slice(logA);
    console.log(`fd-limit-features phase A (limit ${limitA}):
  DeleteRecords kafka -> ${drKafka.errorCode} (lowWatermark ${drKafka.lowWatermark}), again -> ${drKafkaAgain.errorCode}; ws -> ${drWs}; log start ${startDuring} (ws ${wsStartDuring}); fetch from 0 -> ${fromOldStart.errorCode} [${fromOldStart.values.join(",")}]
  OffsetCommit kafka -> ${ocKafka}, again -> ${ocKafkaAgain}, ws -> ${ocWs}; committed ${ocKafkaDuring} / ${ocWsDuring}
  IncrementalAlterConfigs -> ${cfgKafka.errorCode} (${cfgKafka.errorMessage}); ws -> ${cfgWs}; max.message.bytes ${maxDuring}, retention.ms ${retentionDuring}; 1000-byte produce -> ${bigProduce}
  EndTxn (marker) -> ${endMarkers}, again -> ${endMarkersAgain}; read_committed ${JSON.stringify(txmDuring)}; state ${txmStateDuring}; its offset ${txnOffsetDuring}
  log lines naming EMFILE:\n${outA.split("\n").filter((l) => l.includes("EMFILE")).map((l) => "    " + l.slice(0, 300)).join("\n")}`);

    expect(aliveA).toBe(true);
    expect(versionsA).toBe(0);
    expect(drKafka).toMatchObject({ errorCode: E.KAFKA_STORAGE_ERROR.code, lowWatermark: -1n });
    expect(drKafkaAgain.errorCode).toBe(E.KAFKA_STORAGE_ERROR.code);
    expect(drWs).toMatch(/^KAFKA_STORAGE_ERROR: /);
    expect(startDuring).toBe(0n);
    expect(wsStartDuring).toBe(0n);
    expect(fromOldStart).toEqual({ errorCode: 0, values: Array.from({ length: 10 }, (_, i) => `r${i}`) });
    const drLines = outA.split("\n").filter((l) => l.includes("log start not moved"));
    expect(drLines.length, drLines.join("\n")).toBe(1);
    expect(drLines[0]).toContain("EMFILE");

    expect(ocKafka).toBe(E.NOT_COORDINATOR.code); // Kafka's conversion of KAFKA_STORAGE_ERROR for a commit
    expect(ocKafkaAgain).toBe(E.NOT_COORDINATOR.code);
    expect(ocWs).toMatch(/^NOT_COORDINATOR: /);
    expect(ocKafkaDuring).toBe(5n);
    expect(ocWsDuring).toBe(7n);
    // Three failed commits (two for g-kafka): one warning per group and episode, the repeat at debug.
    const ocLines = outA.split("\n").filter((l) => l.includes("offset commit could not be written"));
    expect(ocLines).toHaveLength(2);
    expect(ocLines[0]).toContain("EMFILE");

    expect(cfgKafka.errorCode).toBe(E.KAFKA_STORAGE_ERROR.code);
    expect(cfgKafka.errorMessage).toContain("EMFILE");
    expect(cfgWs).toMatch(/^KAFKA_STORAGE_ERROR: .*EMFILE/);
    expect(maxDuring).toBe(defaultMaxMessageBytes);
    expect(retentionDuring).toBe(defaultRetention);
    expect(bigProduce).toBe(0);

    expect(endMarkers).toBe(0);
    expect(endMarkersAgain).toBe(E.CONCURRENT_TRANSACTIONS.code);
    expect(txmDuring).toEqual({ values: [], atEnd: false });
    expect(txmStateDuring).toBe("PrepareCommit");
    expect(txnOffsetDuring).toBe(-1n);
    const markerLines = outA.split("\n").filter((l) => l.includes("transaction end not finished"));
    expect(markerLines.length, markerLines.join("\n")).toBe(1);
    expect(markerLines[0]).toContain("EMFILE");

    // ---- descriptors free again: the same requests succeed ----
    expect(await deleteRecords(kc, "dr", 4n)).toMatchObject({ errorCode: 0, lowWatermark: 4n });
    expect(await ws.admin.deleteRecords("dr", [{ partition: 0, offset: 6n }])).toEqual([{ partition: 0, lowWatermark: 6n }]);
    expect(broker.out.slice(logA).split("\n").filter((l) => l.includes("log start checkpoint writes succeed again"))).toHaveLength(1);
    expect(await commit(kc, "g-kafka", "oc", 50n)).toBe(0);
    await ws.admin.commitOffsets("g-ws", [{ topic: "oc", partition: 0, offset: 70n }]);
    expect(await until("the commit marker written by the coordinator's retry", async () => {
      const r = await readCommitted(kc, "txm", 0);
      return r.atEnd ? r : undefined;
    }, 10_000)).toEqual({ values: ["m"], atEnd: true });
    // The marker comes first, CompleteCommit right after it.
    await until("tx-markers CompleteCommit", async () => (await txnState(kc, "tx-markers")) === "CompleteCommit", 10_000);
    expect(await committed(kc, "g-txn", "oc")).toBe(3n);
    expect(broker.out.slice(logA).split("\n").filter((l) => l.includes("transaction end finished after retries") && l.includes("tx-markers"))).toHaveLength(1);
    expect(await configOf(kc, "cfg", "max.message.bytes")).toBe(defaultMaxMessageBytes);

    // ---- phase B: EndTxn whose PrepareCommit record cannot be written ----
    expect((await alterConfig(kc, "__transaction_state", "segment.bytes", "14")).errorCode).toBe(0);
    const stateTxn = await openTransaction(kc, "tx-state", "txd", 0, "k");
    const wsTxn = ws.producer({ transactionalId: "tx-ws" });
    await wsTxn.beginTransaction();
    await wsTxn.send({ topic: "txd", partition: 1, value: "w" });
    const logB = broker.out.length;
    const limitB = exhaust(broker.pid, hard);
    const endState = await endTxn(kc, "tx-state", stateTxn, true);
    const endWs = await wsOutcome(wsTxn.commitTransaction());
    const txd0During = await readCommitted(kc, "txd", 0);
    const txd1During = await readCommitted(kc, "txd", 1);
    const stateDuring = await txnState(kc, "tx-state");
    const aliveB = broker.alive();
    const versionsB = (await apiVersions(kc)).errorCode;
    execFileSync("prlimit", ["--pid", String(broker.pid), `--nofile=${soft}:${hard}`]);
    const outB = broker.out.slice(logB);
    console.log(`fd-limit-features phase B (limit ${limitB}): EndTxn (PrepareCommit) kafka -> ${endState}, ws -> ${endWs}; read_committed ${JSON.stringify(txd0During)} ${JSON.stringify(txd1During)}; state ${stateDuring}
  log lines naming EMFILE:\n${outB.split("\n").filter((l) => l.includes("EMFILE")).map((l) => "    " + l.slice(0, 300)).join("\n")}`);
    for (const outcome of [drWs, ocWs, cfgWs, endWs]) expect(outcome).not.toContain("(not retriable)");
    expect(aliveB).toBe(true);
    expect(versionsB).toBe(0);
    expect(endState).toBe(E.NOT_COORDINATOR.code); // Kafka's conversion of KAFKA_STORAGE_ERROR for the transaction log
    expect(endWs).toMatch(/^KAFKA_STORAGE_ERROR: .*EMFILE/); // the WebSocket door's typed, retriable error (ws-full-disk.test.ts)
    expect(txd0During).toEqual({ values: [], atEnd: false });
    expect(txd1During).toEqual({ values: [], atEnd: false });
    expect(stateDuring).toBe("Ongoing");
    const stateLines = outB.split("\n").filter((l) => l.includes("transaction log write failed"));
    expect(stateLines.length, stateLines.join("\n")).toBe(2); // one per transactional id
    for (const l of stateLines) expect(l).toContain("EMFILE");

    // Retried (Kafka) and aborted (WebSocket) once descriptors are free, as Kafka's producers may.
    expect(await endTxn(kc, "tx-state", stateTxn, true)).toBe(0);
    await wsTxn.abortTransaction();
    expect(await readCommitted(kc, "txd", 0)).toEqual({ values: ["k"], atEnd: true });
    expect(await readCommitted(kc, "txd", 1)).toEqual({ values: [], atEnd: true });

    // ---- kill -9 and restart: everything acknowledged is there, nothing refused is ----
    ws.close();
    kc.close();
    await broker.kill("SIGKILL");
    broker = await startBroker(dataDir, wsPort, kafkaPort);
    kc = await Connection.open(kafkaPort);
    ws = await connect({ url: `ws://127.0.0.1:${wsPort}/ws`, reconnect: false } as never);
    expect(await earliest(kc, "dr")).toBe(6n);
    expect((await fetchFrom(kc, "dr", 4n)).errorCode).toBe(E.OFFSET_OUT_OF_RANGE.code);
    expect(await fetchFrom(kc, "dr", 6n)).toEqual({ errorCode: 0, values: ["r6", "r7", "r8", "r9"] });
    expect(await committed(kc, "g-kafka", "oc")).toBe(50n);
    expect(await committed(kc, "g-txn", "oc")).toBe(3n);
    expect((await ws.admin.committedOffsets("g-ws", ["oc"]))[0]!.offset).toBe(70n);
    expect(await configOf(kc, "cfg", "max.message.bytes")).toBe(defaultMaxMessageBytes);
    expect((await ws.admin.describeTopic("cfg")).configs.find((c) => c.name === "retention.ms")!.value).toBe(defaultRetention);
    expect(await readCommitted(kc, "txm", 0)).toEqual({ values: ["m"], atEnd: true });
    expect(await readCommitted(kc, "txd", 0)).toEqual({ values: ["k"], atEnd: true });
    expect(await readCommitted(kc, "txd", 1)).toEqual({ values: [], atEnd: true });
    // And the refused config change works now.
    expect((await alterConfig(kc, "cfg", "max.message.bytes", "100")).errorCode).toBe(0);
    expect(await produce(kc, "cfg", ["x".repeat(1000)])).toBe(E.MESSAGE_TOO_LARGE.code);
    ws.close();
    kc.close();
  });
});

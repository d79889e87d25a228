// kill -9 during a transactions v2 end: a broker child process dies right after PrepareCommit (written at
// the bumped epoch) is durable, before any marker and before the EndTxn v5 answer. After a restart the
// commit is finished (both partitions visible to read_committed, the LSO at the log end), the client's
// retry (one epoch behind) is recognized and answered with the bumped epoch, and the old epoch is fenced.

import { fork, type ChildProcess } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { Attributes, batchSpans, decodeRecordBatch, encodeRecordBatch } from "../../src/core/index.js";
import { ApiKey } from "../../src/protocol/kafka/index.js";
import { eventually } from "../kafka/helpers.js";
import { Connection } from "./wire.js";

const childPath = fileURLToPath(new URL("../faults/storage-broker-child.mjs", import.meta.url));
const dist = fileURLToPath(new URL("../../dist/server.js", import.meta.url));
const live = new Set<ChildProcess>();
const dirs: string[] = [];

afterAll(() => {
  for (const child of live) if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

function startBroker(dataDir: string, crashAt?: string): Promise<{ child: ChildProcess; kafkaPort: number }> {
  return new Promise((resolve, reject) => {
    const config = { dataDir, port: 0, kafkaPort: 0, shards: 2, flushTickMs: 20, transactions: { abortCheckMs: 100 } };
    const child = fork(childPath, [JSON.stringify(config)], { stdio: ["ignore", "ignore", "pipe", "ipc"], env: { ...process.env, RIVULET_TXN_CRASH_AT: crashAt ?? "" } });
    live.add(child);
    let stderr = "";
    child.stderr!.setEncoding("utf8").on("data", (chunk: string) => (stderr += chunk));
    child.once("message", (m: { kafkaPort: number }) => resolve({ child, kafkaPort: m.kafkaPort }));
    child.once("exit", (code, signal) => reject(new Error(`broker exited before ready (${code ?? signal}): ${stderr}`)));
  });
}

const txBatch = (producerId: bigint, producerEpoch: number, value: string) =>
  encodeRecordBatch([{ value }], { producerId, producerEpoch, baseSequence: 0, attributes: Attributes.TRANSACTIONAL });

async function readCommitted(conn: Connection, partition: number) {
  const r = await conn.call(ApiKey.Fetch, 11, {
    replicaId: -1, maxWaitMs: 0, minBytes: 0, maxBytes: 1 << 20, isolationLevel: 1, sessionId: 0, sessionEpoch: -1,
    topics: [{ topic: "v2-crash", partitions: [{ partition, currentLeaderEpoch: -1, fetchOffset: 0n, logStartOffset: -1n, partitionMaxBytes: 1 << 20 }] }],
    forgottenTopicsData: [], rackId: "",
  });
  const p = r.responses[0]!.partitions[0]!;
  const bytes = (p.records ?? new Uint8Array()) as Uint8Array;
  const values = [...batchSpans(bytes)]
    .map((sp) => decodeRecordBatch(bytes.subarray(sp.start, sp.start + sp.size)))
    .filter((b) => (b.attributes & Attributes.CONTROL) === 0)
    .flatMap((b) => b.records.map((rec) => new TextDecoder().decode(rec.value!)));
  return { values, atEnd: p.lastStableOffset === p.highWatermark };
}

describe("kill -9 during an EndTxn v5", () => {
  it("crash at prepared: the commit finishes at the bumped epoch, the retry is answered with it, the old epoch is fenced", async () => {
    expect(existsSync(dist), "dist/ is missing: run `npm run build:ts`").toBe(true);
    const dataDir = mkdtempSync(join(tmpdir(), "rivulet-txn-v2-crash-"));
    dirs.push(dataDir);

    const first = await startBroker(dataDir, "prepared");
    let conn = await Connection.open(first.kafkaPort);
    const created = await conn.call(ApiKey.CreateTopics, 4, { topics: [{ name: "v2-crash", numPartitions: 2, replicationFactor: 1, assignments: [], configs: [] }], timeoutMs: 5000, validateOnly: false });
    expect(created.topics[0]!.errorCode).toBe(0);
    const init = await conn.call(ApiKey.InitProducerId, 5, { transactionalId: "v2-crash-tx", transactionTimeoutMs: 60_000, producerId: -1n, producerEpoch: -1 });
    const { producerId, producerEpoch } = init;
    for (const partition of [0, 1]) {
      const r = await conn.call(ApiKey.Produce, 12, {
        transactionalId: "v2-crash-tx", acks: -1, timeoutMs: 5000,
        topicData: [{ name: "v2-crash", partitionData: [{ index: partition, records: txBatch(producerId, producerEpoch, `p${partition}`) }] }],
      });
      expect(r.responses[0]!.partitionResponses[0]!.errorCode).toBe(0);
    }
    await expect(conn.call(ApiKey.EndTxn, 5, { transactionalId: "v2-crash-tx", producerId, producerEpoch, committed: true })).rejects.toThrow(/closed/);
    await new Promise<void>((resolve) => (first.child.exitCode !== null || first.child.signalCode !== null ? resolve() : first.child.once("exit", () => resolve())));
    expect(first.child.signalCode).toBe("SIGKILL");

    const second = await startBroker(dataDir);
    conn = await Connection.open(second.kafkaPort);
    // The client retries its EndTxn (it never saw the answer): one epoch behind the durable bump.
    const retried = await eventually(async () => {
      const r = await conn.call(ApiKey.EndTxn, 5, { transactionalId: "v2-crash-tx", producerId, producerEpoch, committed: true });
      return r.errorCode === 0 ? r : undefined;
    }, 10_000, "the retried EndTxn v5 answered NONE");
    expect([retried.producerId, retried.producerEpoch]).toEqual([producerId, producerEpoch + 1]);
    for (const partition of [0, 1]) expect(await readCommitted(conn, partition)).toEqual({ values: [`p${partition}`], atEnd: true });
    const zombie = await conn.call(ApiKey.Produce, 12, {
      transactionalId: "v2-crash-tx", acks: -1, timeoutMs: 5000,
      topicData: [{ name: "v2-crash", partitionData: [{ index: 0, records: txBatch(producerId, producerEpoch, "zombie") }] }],
    });
    expect(zombie.responses[0]!.partitionResponses[0]!.errorCode).toBe(47);
    conn.close();
  }, 60_000);
});

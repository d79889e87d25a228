// Transactional produce against idempotent produce (issue 16), end to end over loopback. The broker runs in a
// child process (bench/lib/server-process.js, dist/, Kafka listener on, topics with flush off); this process
// runs the clients. Each case sends TXN_BENCH_RECORDS records (100-byte values) in sends of
// TXN_BENCH_SEND records to a 4-partition topic, one send at a time:
//   kafkajs idempotent        acks -1, no transaction
//   kafkajs txn, K sends/txn  the same sends grouped K per transaction (AddPartitions once per partition
//                             and transaction, EndTxn: PrepareCommit write, 4 markers fsynced, CompleteCommit write)
//   ws idempotent / ws txn    the same over the WebSocket client (client.producer({ idempotent }) /
//                             client.producer({ transactionalId }))
// The cases run interleaved, TXN_BENCH_ROUNDS (3) rounds; the median records/s per case, and its ratio to the
// idempotent case of the same client, measured side by side in the same run.
import { mkdtempSync, rmSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { Kafka, logLevel } from "kafkajs";
import type * as ClientModule from "../src/client/index.js";
import { report, type Row } from "./lib/report.js";
import { loadDist, staleDistFiles, startBrokerProcess } from "./ws/common.js";

const RECORDS = Number(process.env.TXN_BENCH_RECORDS ?? 20_000);
const PER_SEND = Number(process.env.TXN_BENCH_SEND ?? 100);
const ROUNDS = Number(process.env.TXN_BENCH_ROUNDS ?? 3);
const PARTITIONS = 4;
const value = "x".repeat(100);

const client = await loadDist<typeof ClientModule>("dist/client/index.js");
const progress = (message: string) => process.stderr.write(`[transactions] ${message}\n`);
const stale = staleDistFiles(["src/client", "src/frontends", "src/protocol", "src/broker", "src/shard", "src/transactions"]);
if (stale.length) progress(`WARNING: dist/ is older than ${stale.length} source file(s): run npm run build:ts`);
const load = loadavg()[0]!;

const dataDir = mkdtempSync(join(tmpdir(), "rivulet-txn-bench-"));
const broker = await startBrokerProcess(dataDir, { kafka: true });
const kafka = new Kafka({ brokers: [`127.0.0.1:${broker.kafkaPort}`], clientId: "txn-bench", logLevel: logLevel.NOTHING });
const ws = await client.connect({ url: broker.url, reconnect: false });
let topicNo = 0;

async function freshTopic(): Promise<string> {
  const topic = `bench-${topicNo++}`;
  await ws.admin.createTopic(topic, { partitions: PARTITIONS });
  return topic;
}

const sends = Math.ceil(RECORDS / PER_SEND);
const messages = (i: number) => Array.from({ length: PER_SEND }, (_, j) => ({ value, partition: (i + j) % PARTITIONS }));

type Case = { name: string; client: "kafkajs" | "ws"; run: () => Promise<number> };

async function timed(body: () => Promise<void>): Promise<number> {
  const start = performance.now();
  await body();
  return (sends * PER_SEND) / ((performance.now() - start) / 1000);
}

const kafkaIdempotent: Case = {
  name: "kafkajs idempotent",
  client: "kafkajs",
  run: async () => {
    const topic = await freshTopic();
    const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
    await producer.connect();
    const rate = await timed(async () => {
      for (let i = 0; i < sends; i++) await producer.send({ topic, acks: -1, messages: messages(i) });
    });
    await producer.disconnect();
    return rate;
  },
};

const kafkaTxn = (perTxn: number): Case => ({
  name: `kafkajs txn, ${perTxn} sends/txn`,
  client: "kafkajs",
  run: async () => {
    const topic = await freshTopic();
    const producer = kafka.producer({ transactionalId: `bench-kj-${perTxn}-${topicNo}`, idempotent: true, maxInFlightRequests: 1 });
    await producer.connect();
    const rate = await timed(async () => {
      for (let i = 0; i < sends; i += perTxn) {
        const txn = await producer.transaction();
        for (let k = i; k < Math.min(sends, i + perTxn); k++) await txn.send({ topic, messages: messages(k) });
        await txn.commit();
      }
    });
    await producer.disconnect();
    return rate;
  },
});

const wsIdempotent: Case = {
  name: "ws idempotent",
  client: "ws",
  run: async () => {
    const topic = await freshTopic();
    const producer = ws.producer({ idempotent: true, lingerMs: 0 });
    return timed(async () => {
      for (let i = 0; i < sends; i++) await producer.sendMany(messages(i).map((m) => ({ topic, ...m })));
    });
  },
};

const wsTxn = (perTxn: number): Case => ({
  name: `ws txn, ${perTxn} sends/txn`,
  client: "ws",
  run: async () => {
    const topic = await freshTopic();
    const producer = ws.producer({ transactionalId: `bench-ws-${perTxn}-${topicNo}` });
    return timed(async () => {
      for (let i = 0; i < sends; i += perTxn) {
        await producer.beginTransaction();
        for (let k = i; k < Math.min(sends, i + perTxn); k++) await producer.sendMany(messages(k).map((m) => ({ topic, ...m })));
        await producer.commitTransaction();
      }
    });
  },
});

const cases: Case[] = [kafkaIdempotent, kafkaTxn(1), kafkaTxn(10), wsIdempotent, wsTxn(1), wsTxn(10)];
const results = new Map<string, number[]>(cases.map((c) => [c.name, []]));
try {
  for (let round = 0; round < ROUNDS; round++) {
    for (const c of cases) {
      const rate = await c.run();
      results.get(c.name)!.push(rate);
      progress(`round ${round + 1}/${ROUNDS}: ${c.name}: ${Math.round(rate)} records/s`);
    }
  }
} finally {
  ws.close();
  await broker.stop();
  rmSync(dataDir, { recursive: true, force: true });
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[values.length >> 1]!;
const baseline = { kafkajs: median(results.get(kafkaIdempotent.name)!), ws: median(results.get(wsIdempotent.name)!) };
const rows: Row[] = cases.map((c) => {
  const values = results.get(c.name)!;
  const m = median(values);
  return {
    group: c.client,
    name: c.name,
    value: m,
    unit: "records/s",
    vsIdempotent: m / baseline[c.client],
    min: Math.min(...values),
    max: Math.max(...values),
  };
});
report("transactions", rows, [
  `${sends} sends of ${PER_SEND} records (100-byte values) per case, ${PARTITIONS} partitions, one send at a time; median of ${ROUNDS} interleaved rounds`,
  `load average at start ${load.toFixed(2)} (2 cores shared with other work: compare ratios, not absolutes)`,
]);

// Kafka codec bench: the schema-compiled codecs as closures (the first form) against the generated
// straight-line code (schema-compile.ts generated()), side by side in one process, alternating, median of
// KAFKA_CODEC_REPS (5). Cases: Produce v7 and v9 request decode (KAFKA_CODEC_N, default 200000 each) and
// Metadata v12 response encode (N / 10). Prints a table; writes no results file.
import { concat, produce, metadata, Reader, Writer } from "../src/protocol/kafka/index.js";
import { compileMessage, type Compiled } from "../src/protocol/kafka/schema-compile.js";
import { message, type Field } from "../src/protocol/kafka/schema.js";

const N = Number(process.env.KAFKA_CODEC_N ?? "200000");
const REPS = Number(process.env.KAFKA_CODEC_REPS ?? "5");

// The field lists are module-private; the codecs re-derive them through encode → the same schema objects are
// not exported, so the bench builds its schemas from the public codecs' own declarations below.
import * as produceApi from "../src/protocol/kafka/apis/produce.js";
import * as metadataApi from "../src/protocol/kafka/apis/metadata.js";

type Schemas = { request: readonly Field[]; response: readonly Field[] };
const fieldsOf = (api: unknown) => (api as { schemas?: Schemas }).schemas;

function time(fn: () => void): number {
  const t = process.hrtime.bigint();
  fn();
  return Number(process.hrtime.bigint() - t) / 1e6;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

function compare(name: string, run: (c: Compiled) => void, closures: Compiled, generated: Compiled): void {
  for (let i = 0; i < 2; i++) (run(closures), run(generated)); // warm up both
  const a: number[] = [];
  const b: number[] = [];
  for (let i = 0; i < REPS; i++) {
    a.push(time(() => run(closures)));
    b.push(time(() => run(generated)));
  }
  const ca = median(a);
  const cb = median(b);
  console.log(`${name.padEnd(36)} closures ${ca.toFixed(1).padStart(8)} ms   generated ${cb.toFixed(1).padStart(8)} ms   ${(ca / cb).toFixed(2)}x`);
}

const batch = new Uint8Array(120).fill(7);
const request = {
  transactionalId: null,
  acks: -1,
  timeoutMs: 30000,
  topicData: [{ name: "orders", partitionData: [{ index: 0, records: batch }, { index: 1, records: batch }] }],
};
const metaResponse = {
  throttleTimeMs: 0,
  brokers: [{ nodeId: 1, host: "127.0.0.1", port: 9092, rack: null }],
  clusterId: "c",
  controllerId: 1,
  topics: Array.from({ length: 20 }, (_, t) => ({
    errorCode: 0,
    name: `topic-${t}`,
    topicId: new Uint8Array(16),
    isInternal: false,
    partitions: Array.from({ length: 8 }, (_, p) => ({ errorCode: 0, partitionIndex: p, leaderId: 1, leaderEpoch: 0, replicaNodes: [1], isrNodes: [1], offlineReplicas: [] })),
    topicAuthorizedOperations: -2147483648,
  })),
};

const s = fieldsOf(produceApi);
const m = fieldsOf(metadataApi);
if (!s || !m) throw new Error("the codecs do not expose their field lists (apis/*.ts `schemas`)");
const produceReq = message(produceApi.versions.flexibleFrom, s.request);
const metaRes = message(metadataApi.versions.flexibleFrom, m.response);

for (const v of [7, 9]) {
  const w = new Writer();
  produce.encodeRequest(w, v, request as never);
  const bytes = concat(w.finish());
  compare(`Produce v${v} request decode ×${N}`, (c) => {
    for (let i = 0; i < N; i++) c.read(new Reader(bytes));
  }, compileMessage(produceReq, v, false), compileMessage(produceReq, v, true));
}
compare(`Metadata v12 response encode ×${N / 10}`, (c) => {
  for (let i = 0; i < N / 10; i++) {
    const w = new Writer();
    c.write(w, metaResponse as never);
    w.finish();
  }
}, compileMessage(metaRes, 12, false), compileMessage(metaRes, 12, true));
void metadata;

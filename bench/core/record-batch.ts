// RecordBatch section of the core benchmark: encode and decode records/s on 1,000 records of 100-byte values
// per batch, validate and scan GB/s, each beside the plain-TS reference and kafkajs 2.2.4's codec in the
// same run. Inputs are built before any timing; each task does one whole batch.
import { createRequire } from "node:module";
import { Bench } from "tinybench";
import { decodeRecordBatch, encodeRecordBatch, scanBatches, stampBatch, validateRecordBatch, type RecordInput } from "../../src/core/index.js";
import { decodeBatchRef, encodeBatchRef, type RefRecord } from "../../test/reference/record-batch-ref.js";
import { hz, type Row } from "../lib/report.js";

const require = createRequire(import.meta.url);
/* eslint-disable @typescript-eslint/no-explicit-any */
const { RecordBatch } = require("kafkajs/src/protocol/recordBatch/v0/index.js") as { RecordBatch: (o: any) => Promise<{ buffer: Buffer }> };
const KafkajsRecord = require("kafkajs/src/protocol/recordBatch/record/v0/index.js") as (o: any) => unknown;
const kafkajsDecode = require("kafkajs/src/protocol/recordBatch/v0/decoder.js") as (d: unknown) => Promise<any>;
const KafkajsDecoder = require("kafkajs/src/protocol/decoder.js") as new (b: Buffer) => unknown;

const RECORDS = 1000;
const VALUE_SIZE = 100;

export default async function recordBatchSection(): Promise<Row[]> {
  let seed = 7;
  const next = () => (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0);
  const t0 = 1_700_000_000_000;
  const values = Array.from({ length: RECORDS }, () => Uint8Array.from({ length: VALUE_SIZE }, () => next() & 0xff));
  const records: RecordInput[] = values.map((value, i) => ({ value, timestamp: t0 + i }));
  const refRecords: RefRecord[] = values.map((value, i) => ({ value, key: null, headers: [], timestamp: t0 + i, offsetDelta: i }));
  // A keyed variant closer to application traffic: a short string key and one header per record.
  const keyed: RecordInput[] = values.map((value, i) => ({ key: `user-${i % 97}`, value, headers: [{ key: "trace-id", value: `t${i}` }], timestamp: t0 + i }));

  const batch = encodeRecordBatch(records);
  const keyedBatch = encodeRecordBatch(keyed);
  const batchBuffer = Buffer.from(batch);
  // A 4 MiB segment chunk of such batches, stamped with consecutive offsets, for the recovery scan.
  const segmentBatches = Math.floor((4 << 20) / batch.length);
  const segment = new Uint8Array(segmentBatches * batch.length);
  for (let i = 0; i < segmentBatches; i++) {
    const b = batch.slice();
    stampBatch(b, BigInt(i * RECORDS));
    segment.set(b, i * batch.length);
  }
  const big = encodeRecordBatch([{ value: new Uint8Array(1 << 20).fill(3), timestamp: t0 }]);
  // The same keyed-null records as kafkajs Record encoders take them.
  const kafkajsRecord = (value: Uint8Array, i: number) => KafkajsRecord({ offsetDelta: i, timestampDelta: i, key: null, value: Buffer.from(value.buffer, value.byteOffset, value.byteLength) });

  const bench = new Bench({ time: 500, warmup: true });
  bench
    .add("encode: wasm", () => {
      encodeRecordBatch(records);
    })
    .add("encode: wasm (keyed + header)", () => {
      encodeRecordBatch(keyed);
    })
    .add("encode: ts reference", () => {
      encodeBatchRef(refRecords);
    })
    .add("encode: kafkajs", async () => {
      await RecordBatch({ firstTimestamp: t0, maxTimestamp: t0 + RECORDS - 1, lastOffsetDelta: RECORDS - 1, records: values.map(kafkajsRecord) });
    })
    .add("decode: wasm", () => {
      decodeRecordBatch(batch);
    })
    .add("decode: wasm (keyed + header)", () => {
      decodeRecordBatch(keyedBatch);
    })
    .add("decode: wasm, touching every value", () => {
      let sum = 0;
      for (const r of decodeRecordBatch(batch).records) sum += r.value![0]!;
      if (sum < 0) throw new Error("unreachable");
    })
    .add("decode: ts reference", () => {
      decodeBatchRef(batch);
    })
    .add("decode: kafkajs", async () => {
      await kafkajsDecode(new KafkajsDecoder(batchBuffer));
    })
    .add("validate: wasm (1,000 records)", () => {
      validateRecordBatch(batch);
    })
    .add("validate: wasm (one 1 MiB value)", () => {
      validateRecordBatch(big);
    })
    .add("validate: ts reference (1,000 records)", () => {
      decodeBatchRef(batch, true);
    })
    .add("scan: wasm, 4 MiB segment chunk, CRC on", () => {
      scanBatches(segment);
    });
  await bench.run();

  const rate = (name: string) => hz(bench, name);
  const rows: Row[] = [];
  const group = "record-batch";
  for (const op of ["encode", "decode"] as const) {
    const wasm = rate(`${op}: wasm`) * RECORDS;
    const ref = rate(`${op}: ts reference`) * RECORDS;
    const kafkajs = rate(`${op}: kafkajs`) * RECORDS;
    rows.push({ group, name: `${op}: wasm`, value: wasm, unit: "records/s", vsTsReference: wasm / ref, vsKafkajs: wasm / kafkajs });
    rows.push({ group, name: `${op}: wasm (keyed + header)`, value: rate(`${op}: wasm (keyed + header)`) * RECORDS, unit: "records/s" });
    if (op === "decode") rows.push({ group, name: "decode: wasm, touching every value", value: rate("decode: wasm, touching every value") * RECORDS, unit: "records/s" });
    rows.push({ group, name: `${op}: ts reference`, value: ref, unit: "records/s" });
    rows.push({ group, name: `${op}: kafkajs`, value: kafkajs, unit: "records/s" });
  }
  const gbps = (name: string, bytes: number) => (rate(name) * bytes) / 1e9;
  const validate = gbps("validate: wasm (1,000 records)", batch.length);
  const validateRef = gbps("validate: ts reference (1,000 records)", batch.length);
  rows.push({ group, name: "validate: wasm (1,000 records)", value: validate, unit: "GB/s", vsTsReference: validate / validateRef });
  rows.push({ group, name: "validate: wasm (one 1 MiB value)", value: gbps("validate: wasm (one 1 MiB value)", big.length), unit: "GB/s" });
  rows.push({ group, name: "validate: ts reference (1,000 records)", value: validateRef, unit: "GB/s" });
  rows.push({ group, name: "scan: wasm, 4 MiB chunk, CRC on", value: gbps("scan: wasm, 4 MiB segment chunk, CRC on", segment.length), unit: "GB/s" });
  return rows;
}

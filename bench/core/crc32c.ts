// CRC-32C section of the core benchmark: GB/s at 1 KiB, 16 KiB and 1 MiB for the WASM core through the
// public crc32c() (copy into linear memory included), the same kernel on bytes already in linear memory
// (what record-batch code inside the core pays), the plain-TS reference, and kafkajs 2.2.4's crc32C (the
// byte-at-a-time table its RecordBatch codec uses). Inputs are built and checked before any timing.
//
// Each task sums at least 64 KiB per iteration (64 calls at 1 KiB), so tinybench's per-iteration timer
// reads (~50 ns) stay below 1% of a sample.
import { createRequire } from "node:module";
import { Bench } from "tinybench";
import { crc32c } from "../../src/core/crc32c.js";
import { allocOrThrow, core, heap } from "../../src/core/instance.js";
import { crc32cRef } from "../../test/reference/crc32c-ref.js";
import { hz, type Row } from "../lib/report.js";

const require = createRequire(import.meta.url);
const kafkajsCrc32c = require("kafkajs/src/protocol/recordBatch/crc32C/crc32C.js") as (buffer: Buffer) => number;

const SIZES: Array<[string, number]> = [
  ["1 KiB", 1024],
  ["16 KiB", 16 * 1024],
  ["1 MiB", 1024 * 1024],
];
const MIN_BYTES_PER_ITERATION = 64 * 1024;

export default async function crc32cSection(): Promise<Row[]> {
  let seed = 0x9e3779b9;
  const next = () => (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0);
  const inputs = SIZES.map(([label, size]) => {
    const data = Buffer.alloc(size);
    for (let i = 0; i < size; i++) data[i] = next() >>> 24;
    const ptr = allocOrThrow(size);
    heap().set(data, ptr);
    const expected = crc32cRef(data);
    if (crc32c(data) !== expected || kafkajsCrc32c(data) !== expected || core.crc32c_update(0, ptr, size) >>> 0 !== expected) {
      throw new Error(`crc32c implementations disagree at ${label}`);
    }
    return { label, size, data, ptr, calls: Math.max(1, MIN_BYTES_PER_ITERATION / size) };
  });

  let sink = 0;
  const bench = new Bench({ time: 300, warmup: true });
  for (const { label, size, data, ptr, calls } of inputs) {
    bench
      .add(`wasm ${label}`, () => {
        for (let i = 0; i < calls; i++) sink ^= crc32c(data);
      })
      .add(`wasm kernel ${label}`, () => {
        for (let i = 0; i < calls; i++) sink ^= core.crc32c_update(0, ptr, size);
      })
      .add(`ts reference ${label}`, () => {
        for (let i = 0; i < calls; i++) sink ^= crc32cRef(data);
      })
      .add(`kafkajs ${label}`, () => {
        for (let i = 0; i < calls; i++) sink ^= kafkajsCrc32c(data);
      });
  }
  await bench.run();
  if (sink === 0.5) console.log(sink); // keeps the sums observable
  for (const { ptr } of inputs) core.free(ptr);

  const rows: Row[] = [];
  for (const { label, size, calls } of inputs) {
    const gbps = (task: string) => (hz(bench, `${task} ${label}`) * calls * size) / 1e9;
    const kafkajs = gbps("kafkajs");
    const row = (name: string, value: number): Row => ({ group: "crc32c", name, value, unit: "GB/s", vsKafkajs: value / kafkajs });
    rows.push(row(`wasm ${label}`, gbps("wasm")));
    rows.push(row(`wasm kernel ${label} (in memory)`, gbps("wasm kernel")));
    rows.push(row(`ts reference ${label}`, gbps("ts reference")));
    rows.push(row(`kafkajs ${label}`, kafkajs));
  }
  return rows;
}

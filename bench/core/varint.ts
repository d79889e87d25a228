// Varint section of the core benchmark: ns per value for the WASM core (whole array per call) vs the
// plain-TS reference, on Kafka-like values (mostly small deltas, some full-range).
import { Bench } from "tinybench";
import { decodeVarints, encodeVarints } from "../../src/core/index.js";
import { refDecodeVarints, refEncodeVarint } from "../../test/reference/varint-ref.js";
import { hz, type Row } from "../lib/report.js";

export default async function varintSection(): Promise<Row[]> {
  const count = 100_000;
  const values = new Int32Array(count);
  let seed = 12345;
  const next = () => (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0);
  for (let i = 0; i < count; i++) {
    const r = next() % 10;
    values[i] = r < 5 ? (next() % 128) - 64 : r < 8 ? (next() % 16384) - 8192 : next() | 0;
  }
  const encoded = encodeVarints(values);
  const scratch: number[] = [];

  const bench = new Bench({ time: 400, warmup: true });
  bench
    .add("wasm encode", () => {
      encodeVarints(values);
    })
    .add("wasm decode", () => {
      decodeVarints(encoded, count);
    })
    .add("ts reference encode", () => {
      scratch.length = 0;
      for (let i = 0; i < count; i++) refEncodeVarint(values[i]!, scratch);
    })
    .add("ts reference decode", () => {
      refDecodeVarints(encoded);
    });
  await bench.run();

  const nsPerValue = (name: string) => 1e9 / hz(bench, name) / count;
  const rows: Row[] = [];
  for (const op of ["encode", "decode"]) {
    const wasm = nsPerValue(`wasm ${op}`);
    const ref = nsPerValue(`ts reference ${op}`);
    rows.push({ group: "varint", name: `wasm ${op} (int32)`, value: wasm, unit: "ns/value", speedupVsTs: ref / wasm });
    rows.push({ group: "varint", name: `ts reference ${op} (int32)`, value: ref, unit: "ns/value", speedupVsTs: 1 });
  }
  return rows;
}

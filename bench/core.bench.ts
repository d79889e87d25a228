// Core benchmark: CRC32C, RecordBatch encode/decode, varints. Each section lives in bench/core/ and returns
// its rows; this file runs them in one process, one after another, and writes bench/results/core.json.
import { report, type Row } from "./lib/report.js";

type Section = { default: () => Promise<Row[]> };
const sections: Array<() => Promise<Section>> = [
  () => import("./core/crc32c.js"),
  () => import("./core/record-batch.js"),
  () => import("./core/varint.js"),
];

const rows: Row[] = [];
for (const load of sections) {
  try {
    rows.push(...(await (await load()).default()));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ERR_MODULE_NOT_FOUND") continue; // section not written yet
    throw error;
  }
}
report("core", rows);

// The storage engine's recovery and index-rebuild primitive: walk the batches of a segment chunk, checking
// each one's framing (and CRC), without decoding records.
//
// Behavior: the input is copied into linear memory in windows of at most SCAN_WINDOW bytes (one WASM call
// per window, so a chunk of a few MiB costs one call and memory stays bounded). A batch that straddles a
// window's end starts the next window; a batch larger than the window gets a window of its own size if the
// input holds it whole. The scan stops at the first incomplete batch (TRUNCATED, validBytes = its start)
// or corrupt one (its status), or at the end of the input (OK).

import { heap, Region } from "../instance.js";
import { Status, statusName } from "../status.js";
import { throwForStatus } from "../throw-status.js";
import { batchInput } from "./header.js";
import { rb, SCAN_ENTRY_SIZE, SCAN_SUMMARY_SIZE, SCAN_VERIFY_CRC, type ScannedBatch, type ScanResult } from "./types.js";

const SCAN_WINDOW = 8 << 20;
/** Entry slots per call; beyond this the scan continues with another call (OUT_OF_SPACE from the core). */
const MAX_ENTRIES = 16384;
const output = new Region(64 * 1024);

/** 12 + batchLength of the batch at `pos`, or -1 if its length field is not all there. */
function declaredSize(bytes: Uint8Array, pos: number): number {
  if (bytes.length - pos < 12) return -1;
  const len = ((bytes[pos + 8]! << 24) | (bytes[pos + 9]! << 16) | (bytes[pos + 10]! << 8) | bytes[pos + 11]!) >>> 0;
  return len + 12;
}

/**
 * Scans consecutive RecordBatches from the start of `bytes`. `verifyCrc` (default true) also checks each
 * batch's CRC32C, which recovery wants; an index rebuild over already-verified data can skip it.
 */
export function scanBatches(bytes: Uint8Array, options: { verifyCrc?: boolean } = {}): ScanResult {
  const flags = (options.verifyCrc ?? true) ? SCAN_VERIFY_CRC : 0;
  const batches: ScannedBatch[] = [];
  let pos = 0;
  let stopStatus: number = Status.OK;
  while (pos < bytes.length) {
    const remaining = bytes.length - pos;
    let window = Math.min(remaining, SCAN_WINDOW);
    const first = declaredSize(bytes, pos);
    if (first > window && first <= remaining) window = first;

    const maxEntries = Math.min(Math.floor(window / 61) + 1, MAX_ENTRIES);
    const out = output.reserve(SCAN_SUMMARY_SIZE + maxEntries * SCAN_ENTRY_SIZE);
    const inPtr = batchInput.load(bytes.subarray(pos, pos + window));
    const n = rb.batch_scan(inPtr, window, out, maxEntries, flags);
    if (n < 0) throwForStatus(n, "scanBatches"); // arguments out of range: a bug here, not bad input

    const buffer = heap().buffer;
    const words = new Int32Array(buffer, out, (SCAN_SUMMARY_SIZE + n * SCAN_ENTRY_SIZE) >> 2);
    const wide = new BigInt64Array(buffer, out + SCAN_SUMMARY_SIZE, n * (SCAN_ENTRY_SIZE >> 3));
    const floats = new Float64Array(buffer, out + SCAN_SUMMARY_SIZE, n * (SCAN_ENTRY_SIZE >> 3));
    for (let i = 0; i < n; i++) {
      const w = (SCAN_SUMMARY_SIZE >> 2) + i * (SCAN_ENTRY_SIZE >> 2);
      const baseOffset = wide[i * 5]!;
      batches.push({
        position: pos + words[w + 4]!,
        size: words[w + 5]!,
        baseOffset,
        lastOffset: baseOffset + BigInt(words[w + 6]!),
        maxTimestamp: floats[i * 5 + 1]!,
        recordCount: words[w + 7]!,
        attributes: words[w + 8]!,
        partitionLeaderEpoch: words[w + 9]!,
      });
    }
    const status = words[0]!;
    const validBytes = words[1]!;
    pos += validBytes;
    if (status === Status.OUT_OF_SPACE) continue;
    if (status === Status.OK) continue; // the window ended on a boundary; the loop ends when the input does
    // A batch cut by the window's end (not the input's) is read whole by the next window.
    if (status === Status.TRUNCATED && validBytes > 0 && window < remaining) continue;
    stopStatus = status;
    break;
  }
  return { batches, validBytes: pos, stopStatus, stopReason: statusName(stopStatus) };
}

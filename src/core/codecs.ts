// Record-batch compression codecs for the Node side (shard workers, the Kafka listener, Node consumers).
//
// Rivulet stores compressed batches as they came and serves them verbatim; it only looks inside one where
// it must: ListOffsets by timestamp (storage/timestamp-lookup.ts), log compaction (storage/compaction.ts,
// which also compresses the rewritten batch back), and a consumer that wants records (the WebSocket
// client's `decompress` option). `decompress` is synchronous because those readers are; `compress` is
// async because zstd's encoder is WASM that loads once, on first use.
//
// Choice of libraries (all pure JS or WASM: nothing to compile, and they run in shard workers as well):
//
//   id  codec   decompress                         compress                     why
//   1   gzip    node:zlib gunzipSync               node:zlib gzipSync           built in
//   2   snappy  snappyjs (raw block) + our xerial  snappyjs, xerial-framed      snappyjs is the pure-JS port of Google's
//               framing reader                                                   reference (what kafkajs-snappy wraps);
//                                                                                the xerial framing is 20 lines, below
//   3   lz4     lz4js.decompress (LZ4 frame)       lz4js.compressBlock in a     Kafka's lz4 is the LZ4 *frame* format
//                                                  frame written here           (KIP-57); lz4js reads any frame
//                                                                                (linked or independent blocks, with or
//                                                                                without checksums/content size)
//   4   zstd    fzstd (pure JS, sync)              @bokuweb/zstd-wasm           fzstd is the maintained pure-JS decoder;
//                                                  (libzstd compiled to WASM)   no pure-JS zstd *encoder* exists, and
//                                                                                Node 20's zlib has no zstd
//
// Snappy framing. Kafka's Java client and kafka-python write xerial's SnappyOutputStream framing; librdkafka
// writes it too when producing, and kafkajs-snappy writes raw snappy. Readers must accept both:
//
//   +------------------------------+-----------+-----------+----------------------------+-----
//   | 0x82 'S' 'N' 'A' 'P' 'P' 'Y' 0 | version=1 | compat=1  | int32 len | snappy block   | ...
//   +------------------------------+-----------+-----------+----------------------------+-----
//      8-byte magic                  int32 BE    int32 BE    repeated until the end
//
// Anything without the magic is one raw snappy block. We write the xerial form (what the Java consumer's
// SnappyInputStream expects first; every other client reads it too).
//
// LZ4 frames we write: magic 0x184D2204, FLG = version 01 + block independence, BD = 64 KiB max blocks (what
// Kafka's KafkaLZ4BlockOutputStream writes), header checksum = byte 1 of xxh32(FLG, BD), each block compressed
// on its own (fresh hash table, so no block refers back into an earlier one), an uncompressed block when
// compressing does not help, then the 0 end mark; no block or content checksums.

import { createRequire } from "node:module";
import { gunzipSync, gzipSync } from "node:zlib";
import { decompress as zstdDecompress } from "fzstd";
import { CorruptRecordError, KafkaProtocolError } from "../errors/index.js";
import { Compression } from "./record-batch/types.js";

interface SnappyJs {
  compress(data: Uint8Array): Uint8Array;
  uncompress(data: Uint8Array, maxLength?: number): Uint8Array;
}
interface Lz4Js {
  decompress(src: Uint8Array, maxSize?: number): Uint8Array;
  compressBound(n: number): number;
  compressBlock(src: Uint8Array, dst: Uint8Array, sIndex: number, sLength: number, hashTable: Uint32Array): number;
}
interface Xxh32 {
  hash(seed: number, src: Uint8Array, index: number, length: number): number;
}

const require = createRequire(import.meta.url);
const snappy = require("snappyjs") as SnappyJs;
const lz4 = require("lz4js") as Lz4Js;
const xxh32 = require("lz4js/xxh32.js") as Xxh32;

export const CompressionName: Record<number, string> = { 0: "none", 1: "gzip", 2: "snappy", 3: "lz4", 4: "zstd" };

const XERIAL_MAGIC = [0x82, 0x53, 0x4e, 0x41, 0x50, 0x50, 0x59, 0x00];
const LZ4_MAGIC = 0x184d2204;
const LZ4_BLOCK = 64 * 1024;

/**
 * Inflates a batch's records section [61, end) compressed with Kafka compression id `compression` (1..4).
 * Throws CorruptRecordError when the bytes do not decompress, UNSUPPORTED_COMPRESSION_TYPE for ids 5..7.
 * The shape of decodeRecordBatch's `decompress` option.
 */
export function decompress(compression: number, data: Uint8Array): Uint8Array {
  try {
    switch (compression) {
      case Compression.NONE:
        return data;
      case Compression.GZIP:
        return asUint8(gunzipSync(data));
      case Compression.SNAPPY:
        return snappyDecompress(data);
      case Compression.LZ4:
        return lz4.decompress(data);
      case Compression.ZSTD:
        return zstdDecompress(data);
    }
  } catch (error) {
    throw new CorruptRecordError("BAD_COMPRESSION", `${CompressionName[compression]} data does not decompress: ${(error as Error).message}`, { cause: error });
  }
  throw new KafkaProtocolError("UNSUPPORTED_COMPRESSION_TYPE", `unknown compression id ${compression}`);
}

/** Compresses a records section with Kafka compression id `compression` (0..4), as the clients would. */
export async function compress(compression: number, data: Uint8Array): Promise<Uint8Array> {
  switch (compression) {
    case Compression.NONE:
      return data;
    case Compression.GZIP:
      return asUint8(gzipSync(data));
    case Compression.SNAPPY:
      return snappyXerialCompress(data);
    case Compression.LZ4:
      return lz4FrameCompress(data);
    case Compression.ZSTD:
      return (await zstdEncoder())(data);
  }
  throw new KafkaProtocolError("UNSUPPORTED_COMPRESSION_TYPE", `unknown compression id ${compression}`);
}

/**
 * A synchronous compressor for Kafka codec id `compression` (1..4), once its library is loaded (zstd's WASM
 * encoder loads here, once): what a producer calls per batch without awaiting.
 */
export async function compressor(compression: number): Promise<(data: Uint8Array) => Uint8Array> {
  switch (compression) {
    case Compression.GZIP:
      return (data) => asUint8(gzipSync(data));
    case Compression.SNAPPY:
      return snappyXerialCompress;
    case Compression.LZ4:
      return lz4FrameCompress;
    case Compression.ZSTD:
      return zstdEncoder();
  }
  throw new KafkaProtocolError("UNSUPPORTED_COMPRESSION_TYPE", `unknown compression id ${compression}`);
}

function asUint8(b: Buffer): Uint8Array {
  return new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
}

function hasXerialMagic(data: Uint8Array): boolean {
  if (data.length < 16) return false;
  for (let i = 0; i < 8; i++) if (data[i] !== XERIAL_MAGIC[i]) return false;
  return true;
}

function snappyDecompress(data: Uint8Array): Uint8Array {
  if (!hasXerialMagic(data)) return snappy.uncompress(data);
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  const blocks: Uint8Array[] = [];
  let total = 0;
  for (let at = 16; at < data.length; ) {
    if (at + 4 > data.length) throw new Error("truncated xerial block length");
    const length = view.getInt32(at);
    at += 4;
    if (length < 0 || at + length > data.length) throw new Error(`xerial block of ${length} bytes overruns the data`);
    const block = snappy.uncompress(data.subarray(at, at + length));
    blocks.push(block);
    total += block.length;
    at += length;
  }
  if (blocks.length === 1) return blocks[0]!;
  const out = new Uint8Array(total);
  let at = 0;
  for (const b of blocks) {
    out.set(b, at);
    at += b.length;
  }
  return out;
}

// xerial's default block size is 32 KiB; one block per 32 KiB of input.
function snappyXerialCompress(data: Uint8Array): Uint8Array {
  const blocks: Uint8Array[] = [];
  for (let at = 0; at < data.length || blocks.length === 0; at += 32 * 1024) {
    blocks.push(snappy.compress(data.subarray(at, Math.min(data.length, at + 32 * 1024))));
    if (data.length === 0) break;
  }
  const out = new Uint8Array(16 + blocks.reduce((n, b) => n + 4 + b.length, 0));
  const view = new DataView(out.buffer);
  out.set(XERIAL_MAGIC, 0);
  view.setInt32(8, 1);
  view.setInt32(12, 1);
  let at = 16;
  for (const b of blocks) {
    view.setInt32(at, b.length);
    out.set(b, at + 4);
    at += 4 + b.length;
  }
  return out;
}

function lz4FrameCompress(data: Uint8Array): Uint8Array {
  const blockCount = Math.ceil(data.length / LZ4_BLOCK);
  const out = new Uint8Array(7 + blockCount * (4 + lz4.compressBound(LZ4_BLOCK)) + 4);
  const view = new DataView(out.buffer);
  view.setUint32(0, LZ4_MAGIC, true);
  out[4] = 0x60; // version 01, block independence
  out[5] = 4 << 4; // max block size 64 KiB
  out[6] = (xxh32.hash(0, out, 4, 2) >>> 8) & 0xff;
  let at = 7;
  const table = new Uint32Array(1 << 16);
  for (let from = 0; from < data.length; from += LZ4_BLOCK) {
    const block = data.subarray(from, Math.min(data.length, from + LZ4_BLOCK));
    table.fill(0);
    const size = lz4.compressBlock(block, out.subarray(at + 4), 0, block.length, table);
    if (size > 0 && size < block.length) {
      view.setUint32(at, size, true);
      at += 4 + size;
    } else {
      view.setUint32(at, (0x80000000 | block.length) >>> 0, true);
      out.set(block, at + 4);
      at += 4 + block.length;
    }
  }
  view.setUint32(at, 0, true);
  return out.slice(0, at + 4);
}

type ZstdCompress = (data: Uint8Array) => Uint8Array;
let zstdReady: Promise<ZstdCompress> | undefined;

function zstdEncoder(): Promise<ZstdCompress> {
  zstdReady ??= (async () => {
    const zstd = require("@bokuweb/zstd-wasm") as { init(): Promise<void>; compress(data: Uint8Array, level?: number): Uint8Array };
    await zstd.init();
    // Level 3 is libzstd's (and librdkafka's) default.
    return (data: Uint8Array) => zstd.compress(data, 3);
  })();
  return zstdReady;
}

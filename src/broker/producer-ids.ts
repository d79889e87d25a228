// Producer ids for InitProducerId, handed out on the main thread. An id must never be handed out twice, not
// even across a crash: a second producer with a reused id (epoch 0, sequence 0) would collide with the
// first one's state on every partition it wrote to, and be answered OUT_OF_ORDER_SEQUENCE_NUMBER or, worse,
// have a batch taken for a duplicate of the other producer's and silently dropped.
//
// Ids are reserved in blocks, Kafka's ProducerIdManager style: before handing out the first id of a block
// the allocator durably records the block's end in `<dataDir>/producer-ids.json` (writeFileAtomic: temp
// file, fsync, rename, fsync of the directory), so a block costs one fsync, not one per id. After a crash
// or restart the next id is the recorded end: the unused rest of the last block is skipped, never reused.
//
//   {"version":1,"reservedEnd":"3000"}      every id below 3000 may have been handed out
//
// A missing file means no id was ever handed out (the first reservation writes it before the first id).
// A file that exists but cannot be read or parsed is a StorageError at open: guessing would risk reuse.

import { join } from "node:path";
import { InvalidArgumentError, StorageError } from "../errors/index.js";
import { writeFileAtomic, type FileSystem } from "../storage/fs.js";
import { storageError } from "../storage/storage-error.js";

export const PRODUCER_IDS_FILE = "producer-ids.json";
export const DEFAULT_PRODUCER_ID_BLOCK = 1000;
const MAX_PRODUCER_ID = 0x7fffffffffffffffn;

export class ProducerIdAllocator {
  private nextId: bigint;

  private constructor(
    private readonly fs: FileSystem,
    private readonly path: string,
    private readonly blockSize: bigint,
    /** Every id below this is durably reserved; ids at or above it are not yet. */
    private reserved: bigint,
  ) {
    this.nextId = reserved;
  }

  /** Opens the allocator of a data directory (creating the directory if needed). Throws StorageError on a corrupt file. */
  static open(fs: FileSystem, dataDir: string, blockSize = DEFAULT_PRODUCER_ID_BLOCK): ProducerIdAllocator {
    if (!Number.isSafeInteger(blockSize) || blockSize < 1) {
      throw new InvalidArgumentError(`producer id block size must be a positive integer, got ${blockSize}`);
    }
    const path = join(dataDir, PRODUCER_IDS_FILE);
    try {
      fs.mkdirp(dataDir);
    } catch (error) {
      throw storageError("producer id directory create", error);
    }
    return new ProducerIdAllocator(fs, path, BigInt(blockSize), readReservedEnd(fs, path));
  }

  /** The id the next call to next() returns. */
  get peek(): bigint {
    return this.nextId;
  }

  /** End (exclusive) of the durably reserved range. */
  get reservedEnd(): bigint {
    return this.reserved;
  }

  /**
   * A fresh producer id, epoch 0. Reserves (and fsyncs) a new block first when the current one is used up;
   * if that write fails it throws StorageError and hands out nothing, so a retry is safe.
   */
  next(): { producerId: bigint; producerEpoch: 0 } {
    if (this.nextId >= this.reserved) this.reserveBlock();
    const producerId = this.nextId++;
    return { producerId, producerEpoch: 0 };
  }

  private reserveBlock(): void {
    const end = this.nextId + this.blockSize;
    if (end > MAX_PRODUCER_ID) throw new StorageError("producer ids exhausted", { retriable: false });
    const text = JSON.stringify({ version: 1, reservedEnd: end.toString() });
    try {
      writeFileAtomic(this.fs, this.path, new TextEncoder().encode(text));
    } catch (error) {
      throw storageError("producer id block reservation", error);
    }
    // Only now, with the end durable, may ids below it be handed out.
    this.reserved = end;
  }
}

function readReservedEnd(fs: FileSystem, path: string): bigint {
  let bytes: Uint8Array;
  try {
    if (!fs.exists(path)) return 0n;
    bytes = fs.readFile(path);
  } catch (error) {
    throw storageError(`reading ${path}`, error);
  }
  const corrupt = (why: string, cause?: unknown) =>
    new StorageError(`${path} is corrupt (${why}); refusing to allocate producer ids, which could reuse ones already handed out`, {
      retriable: false,
      cause,
    });
  let parsed: unknown;
  try {
    parsed = JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(bytes));
  } catch (error) {
    throw corrupt("not JSON", error);
  }
  const record = parsed as { version?: unknown; reservedEnd?: unknown } | null;
  if (record === null || typeof record !== "object") throw corrupt("not an object");
  if (record.version !== 1) throw corrupt(`unknown version ${String(record.version)}`);
  if (typeof record.reservedEnd !== "string" || !/^(0|[1-9][0-9]{0,18})$/.test(record.reservedEnd)) {
    throw corrupt(`reservedEnd ${JSON.stringify(record.reservedEnd)} is not a non-negative integer string`);
  }
  const end = BigInt(record.reservedEnd);
  if (end > MAX_PRODUCER_ID) throw corrupt(`reservedEnd ${end} is past the int64 range`);
  return end;
}

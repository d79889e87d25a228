// Kafka's default partitioner for keyed records, so Rivulet's clients and Kafka's agree on placement.

import { InvalidArgumentError } from "../errors/index.js";
import { core, Region } from "./instance.js";
import { throwForStatus } from "./throw-status.js";
import { utf8 } from "./utf8.js";

const input = new Region(4096);

/** murmur2 of the key bytes as Kafka computes it (a signed 32-bit result). */
export function murmur2(key: Uint8Array | string): number {
  const bytes = typeof key === "string" ? utf8.encode(key) : key;
  return core.murmur2(input.load(bytes), bytes.length);
}

/** The partition Kafka's default partitioner picks: `(murmur2(key) & 0x7fffffff) % partitions`. */
export function partitionForKey(key: Uint8Array | string, partitions: number): number {
  if (!Number.isInteger(partitions) || partitions <= 0 || partitions > 0x7fffffff) {
    throw new InvalidArgumentError(`partitions must be a positive integer, got ${partitions}`);
  }
  const bytes = typeof key === "string" ? utf8.encode(key) : key;
  const result = core.partition_for_key(input.load(bytes), bytes.length, partitions);
  if (result < 0) throwForStatus(result, "partitionForKey");
  return result;
}

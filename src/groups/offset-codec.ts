// Committed-offset records in `__consumer_offsets`, in Kafka's own layout (OffsetCommitKey v1,
// OffsetCommitValue v3: group-coordinator/src/main/resources/common/message/), so Kafka's tooling could read
// our log and we can read records Kafka wrote. Big-endian; a string is an int16 byte length + UTF-8.
//
//   key   ┌─────────┬──────────────┬──────────────┬───────────┐
//         │ version │ group        │ topic        │ partition │   version 0 and 1 are offset commits;
//         │ int16=1 │ int16 + utf8 │ int16 + utf8 │ int32     │   2 is group metadata (not read here)
//         └─────────┴──────────────┴──────────────┴───────────┘
//   value ┌─────────┬────────┬─────────────┬──────────────┬─────────────────┐
//         │ version │ offset │ leaderEpoch │ metadata     │ commitTimestamp │   v0: no epoch; v1: + int64
//         │ int16=3 │ int64  │ int32 (v3)  │ int16 + utf8 │ int64           │   expireTimestamp; v2 as v0
//         └─────────┴────────┴─────────────┴──────────────┴─────────────────┘
//   A null value (tombstone) deletes the key's offset.

import { InvalidArgumentError } from "../errors/index.js";
import { Reader } from "../protocol/kafka/reader.js";
import type { CommittedOffset } from "./types.js";

const encoder = new TextEncoder();

export interface OffsetKey {
  group: string;
  topic: string;
  partition: number;
}

export function encodeOffsetKey(key: OffsetKey): Uint8Array {
  const group = utf8(key.group);
  const topic = utf8(key.topic);
  const out = new Uint8Array(2 + 2 + group.length + 2 + topic.length + 4);
  const view = new DataView(out.buffer);
  view.setInt16(0, 1);
  let p = putString(out, view, 2, group);
  p = putString(out, view, p, topic);
  view.setInt32(p, key.partition);
  return out;
}

/** The key of an offset commit, or undefined for any other record type (group metadata, unknown versions). */
export function decodeOffsetKey(bytes: Uint8Array): OffsetKey | undefined {
  const r = new Reader(bytes);
  const version = r.int16();
  if (version !== 0 && version !== 1) return undefined;
  const key = { group: r.string(), topic: r.string(), partition: r.int32() };
  if (r.remaining !== 0) throw new InvalidArgumentError("offset record key has trailing bytes");
  return key;
}

export function encodeOffsetValue(value: CommittedOffset): Uint8Array {
  const metadata = utf8(value.metadata);
  const out = new Uint8Array(2 + 8 + 4 + 2 + metadata.length + 8);
  const view = new DataView(out.buffer);
  view.setInt16(0, 3);
  view.setBigInt64(2, value.offset);
  view.setInt32(10, value.leaderEpoch);
  const p = putString(out, view, 14, metadata);
  view.setBigInt64(p, BigInt(value.commitTimestamp));
  return out;
}

export function decodeOffsetValue(bytes: Uint8Array): CommittedOffset {
  const r = new Reader(bytes);
  const version = r.int16();
  if (version < 0 || version > 3) throw new InvalidArgumentError(`unsupported offset commit value version ${version}`);
  const offset = r.int64();
  const leaderEpoch = version >= 3 ? r.int32() : -1;
  const metadata = r.string();
  const commitTimestamp = Number(r.int64());
  if (version === 1) r.int64(); // expireTimestamp: per-commit retention is not supported, so it is ignored
  return { offset, leaderEpoch, metadata, commitTimestamp };
}

function utf8(text: string): Uint8Array {
  const bytes = encoder.encode(text);
  if (bytes.length > 0x7fff) throw new InvalidArgumentError(`string of ${bytes.length} bytes does not fit an int16 length`);
  return bytes;
}

function putString(out: Uint8Array, view: DataView, p: number, bytes: Uint8Array): number {
  view.setInt16(p, bytes.length);
  out.set(bytes, p + 2);
  return p + 2 + bytes.length;
}

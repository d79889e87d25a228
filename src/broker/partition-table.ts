// Which shard owns a partition. One pure function, so every caller (produce, fetch, admin, both front ends)
// agrees without shared state, and the answer survives restarts with the same shard count. A topic's
// partitions start at a shard picked by the topic name's hash and go round-robin, so each topic spreads
// evenly and different topics start on different shards.

import { murmur2 } from "../core/index.js";

export function shardFor(topic: string, partition: number, shards: number): number {
  return ((topicHash(topic) & 0x7fffffff) + partition) % shards;
}

/** murmur2 of topic names, remembered: every produce and read asks, and hashing allocates (UTF-8 bytes). */
const hashes = new Map<string, number>();

function topicHash(topic: string): number {
  let hash = hashes.get(topic);
  if (hash === undefined) {
    if (hashes.size >= 10_000) hashes.clear(); // bounded: names come from clients
    hashes.set(topic, (hash = murmur2(topic)));
  }
  return hash;
}

/** Groups items by owning shard, remembering each item's position so results can be put back in order. */
export function splitByShard<T extends { topic: string; partition: number }>(
  items: readonly T[],
  shards: number,
): Map<number, { items: T[]; positions: number[] }> {
  const groups = new Map<number, { items: T[]; positions: number[] }>();
  items.forEach((item, position) => {
    const shard = shardFor(item.topic, item.partition, shards);
    let group = groups.get(shard);
    if (!group) groups.set(shard, (group = { items: [], positions: [] }));
    group.items.push(item);
    group.positions.push(position);
  });
  return groups;
}

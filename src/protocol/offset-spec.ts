// Where to look up an offset, and Kafka's wire form of it: ListOffsets (and Rivulet's LIST_OFFSETS frame)
// carry a timestamp that is either a time in ms or a sentinel (-1 latest, -2 earliest, -3 the record with
// the largest timestamp). One translation, both directions, for the broker, both front ends and the client.

export type OffsetSpec = "earliest" | "latest" | "max-timestamp" | { timestamp: number };

export function offsetSpecToTimestamp(spec: OffsetSpec): bigint {
  if (spec === "latest") return -1n;
  if (spec === "earliest") return -2n;
  if (spec === "max-timestamp") return -3n;
  return BigInt(Math.trunc(spec.timestamp));
}

/** The spec a wire timestamp stands for, or undefined for a negative value that is no sentinel. */
export function offsetSpecFromTimestamp(timestamp: bigint): OffsetSpec | undefined {
  if (timestamp === -1n) return "latest";
  if (timestamp === -2n) return "earliest";
  if (timestamp === -3n) return "max-timestamp";
  if (timestamp >= 0n) return { timestamp: Number(timestamp) };
  return undefined;
}

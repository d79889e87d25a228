import { InvalidArgumentError } from "../errors/index.js";
import type { OffsetSpec } from "../protocol/offset-spec.js";
import type { StartFrom } from "../protocol/start-from.js";

type Isolation = "read_uncommitted" | "read_committed";
type ListOffsets = (spec: OffsetSpec, isolation?: Isolation) => Promise<{ offset: bigint }>;

/**
 * The offset a reader starting from `from` begins at: an offset past the log end is clamped to the end
 * (the reader waits there; one below the log start is reported as a gap by whoever reads it), and a time
 * after the last record means the log end. A read_committed reader's "latest" is the last stable offset,
 * as Kafka's ListOffsets answers it.
 */
export async function resolveStartOffset(listOffsets: ListOffsets, from: StartFrom, isolation?: Isolation): Promise<bigint> {
  if (from === "earliest" || from === "latest") return (await listOffsets(from, isolation)).offset;
  if ("offset" in from) {
    if (from.offset < 0n) throw new InvalidArgumentError(`offset ${from.offset} is negative`);
    const latest = (await listOffsets("latest")).offset;
    return from.offset > latest ? latest : from.offset;
  }
  const found = await listOffsets({ timestamp: from.timestamp });
  return found.offset >= 0n ? found.offset : (await listOffsets("latest")).offset;
}

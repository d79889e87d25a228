/**
 * Buffers handed to shard workers. A worker can only take over a whole ArrayBuffer, and the front ends'
 * buffers are rarely that: uWS neuters message buffers once the handler returns, and Node's pooled Buffers
 * share their ArrayBuffer with other data.
 */
import { InvalidArgumentError } from "../errors/index.js";

/** `batch` itself when the caller hands it over (`transfer`) and it owns its whole ArrayBuffer; else one copy. */
export function ownedCopy(batch: Uint8Array, transfer: boolean): Uint8Array {
  if (!(batch instanceof Uint8Array)) throw new InvalidArgumentError("batch must be a Uint8Array");
  const standalone = batch.byteOffset === 0 && batch.byteLength === batch.buffer.byteLength && batch.buffer instanceof ArrayBuffer;
  if (transfer && standalone) return batch;
  return new Uint8Array(batch); // a copy with its own ArrayBuffer (Buffer#slice would be a view)
}

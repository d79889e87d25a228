// Reading a bounded number of records from a client Consumer, failing loudly instead of hanging.
import type { ConsumedRecord, Consumer } from "../../src/client/index.js";

/** The next `n` records, or an error naming how many arrived before `timeoutMs`. */
export async function take(consumer: Consumer, n: number, timeoutMs = 10_000): Promise<ConsumedRecord[]> {
  const out: ConsumedRecord[] = [];
  const deadline = Date.now() + timeoutMs;
  while (out.length < n) {
    const remaining = deadline - Date.now();
    if (remaining <= 0) throw new Error(`received ${out.length} of ${n} records within ${timeoutMs} ms`);
    out.push(await nextWithin(consumer, remaining, () => `received ${out.length} of ${n} records within ${timeoutMs} ms`));
  }
  return out;
}

/** The next record within `timeoutMs` (rejects with what the consumer threw, or a timeout). */
export async function nextWithin(consumer: Consumer, timeoutMs: number, message = () => `no record within ${timeoutMs} ms`): Promise<ConsumedRecord> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(message())), timeoutMs)));
  try {
    return await Promise.race([consumer.next(), timeout]);
  } finally {
    clearTimeout(timer);
  }
}

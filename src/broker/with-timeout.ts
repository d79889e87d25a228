import { KafkaProtocolError } from "../errors/index.js";

/** `promise`, or REQUEST_TIMED_OUT after `ms` (the work itself is not cancelled: shards finish what they start). */
export async function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new KafkaProtocolError("REQUEST_TIMED_OUT", `${what} timed out after ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

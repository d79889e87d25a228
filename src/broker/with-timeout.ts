import { KafkaProtocolError } from "../errors/index.js";

/**
 * `promise`, or REQUEST_TIMED_OUT after `ms` (the work itself is not cancelled: shards finish what they start).
 * One promise and one timer per call (every produce passes here): no Promise.race, no async frame.
 */
export function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(new KafkaProtocolError("REQUEST_TIMED_OUT", `${what} timed out after ${ms} ms`)), ms);
    promise.then(
      (value) => {
        clearTimeout(timer);
        resolve(value);
      },
      (error: unknown) => {
        clearTimeout(timer);
        reject(error);
      },
    );
  });
}

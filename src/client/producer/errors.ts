// The producer's own errors. Every error a send() can reject with is a RivuletError whose `retriable` says
// whether sending the same record again could succeed: the broker's typed errors as they are (non-retriable
// ones such as MESSAGE_TOO_LARGE fail at once), and DeliveryTimeoutError when retriable errors outlasted
// the delivery timeout (its `cause` is the last of them).

import { KafkaProtocolError, RivuletError } from "../../errors/index.js";

/** The producer id and epoch an idempotent producer stamps on its batches. */
export interface Identity {
  producerId: bigint;
  producerEpoch: number;
}

/** Records not acknowledged within deliveryTimeoutMs of their batch's creation, though every error was retriable. */
export class DeliveryTimeoutError extends RivuletError {
  constructor(
    readonly topic: string,
    readonly partition: number,
    readonly records: number,
    readonly timeoutMs: number,
    cause: Error | undefined,
  ) {
    const why = cause ? `; last error: ${cause.message}` : "";
    super("DELIVERY_TIMEOUT", `${records} record(s) for ${topic}-${partition} not acknowledged within the delivery timeout of ${timeoutMs} ms${why}`, { retriable: true, cause });
  }
}

/** One produce request had no answer within requestTimeoutMs (retried within the delivery timeout). */
export class RequestTimeoutError extends KafkaProtocolError {
  constructor(timeoutMs: number) {
    super("REQUEST_TIMED_OUT", `request not answered within ${timeoutMs} ms`, { retriable: true });
  }
}

/** send() after close(). */
export class ProducerClosedError extends RivuletError {
  constructor() {
    super("PRODUCER_CLOSED", "producer is closed", { retriable: false });
  }
}

/** `promise`, or a rejection with `timeout()` after `ms` (the timer is cleared either way). */
export function withTimeout<T>(promise: Promise<T>, ms: number, timeout: () => Error): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const expired = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(timeout()), ms)));
  return Promise.race([promise, expired]).finally(() => clearTimeout(timer));
}

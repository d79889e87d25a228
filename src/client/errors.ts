// Errors the client raises: the server's error codes become the same typed errors the broker uses
// (code, kafkaCode, retriable), plus the client's own for connections, deadlines and gaps.

import { CorruptRecordError, kafkaErrorByCode, KafkaProtocolError, OffsetOutOfRangeError, RivuletError } from "../errors/index.js";
import { RivuletErrorCode } from "../protocol/ws/frames.js";

/** The socket dropped, or could not be opened. Retriable: the connection reconnects unless told not to. */
export class ConnectionError extends RivuletError {
  constructor(message: string, readonly closeCode?: number) {
    super("NETWORK_EXCEPTION", message, { retriable: true });
  }
}

/**
 * A deadline passed: a request got no answer within `requestTimeoutMs` (Kafka's request.timeout.ms), or the
 * broker stayed unreachable longer than the reconnect policy's `giveUpAfterMs`. Kafka code 7
 * (REQUEST_TIMED_OUT); retriable, as the broker may well answer a later attempt.
 */
export class TimeoutError extends KafkaProtocolError {
  constructor(message: string, readonly timeoutMs: number) {
    super("REQUEST_TIMED_OUT", message, { retriable: true });
  }
}

/** Retention deleted records the consumer had not read yet: offsets [fromOffset, toOffset) are gone. */
export class GapError extends RivuletError {
  constructor(readonly topic: string, readonly partition: number, readonly fromOffset: bigint, readonly toOffset: bigint) {
    super("GAP", `${topic}-${partition}: offsets ${fromOffset}..${toOffset - 1n} were deleted by retention before they were read`);
  }
}

/**
 * A batch the consumer received failed its checks (CRC, length, layout): CORRUPT_MESSAGE at `offset`. The
 * records before it were delivered; the partition stops here until the application seeks, e.g. past the
 * batch to `nextOffset` (as with Kafka's consumer, which never skips a corrupt record by itself).
 */
export class CorruptBatchError extends CorruptRecordError {
  constructor(readonly topic: string, readonly partition: number, readonly offset: bigint, readonly nextOffset: bigint, cause: Error) {
    super((cause as { reason?: string }).reason ?? "CORRUPT", `${topic}-${partition}: corrupt record batch at offset ${offset} (${cause.message}); seek to ${nextOffset} to skip it`, { cause });
  }
}

export function errorFromCode(errorCode: number, code: string, message: string): RivuletError {
  const own = Object.entries(RivuletErrorCode).find(([, value]) => value === errorCode)?.[0];
  if (own) return new RivuletError(own, message);
  const name = kafkaErrorByCode(errorCode);
  if (name === "OFFSET_OUT_OF_RANGE") return new OffsetOutOfRangeError(message, -1n, -1n);
  if (name) return new KafkaProtocolError(name, message || name);
  return new RivuletError(code || "UNKNOWN_SERVER_ERROR", message);
}

// Errors the client raises: the server's error codes become the same typed errors the broker uses
// (code, kafkaCode, retriable), plus the client's own for connections and gaps.

import { kafkaErrorByCode, KafkaProtocolError, OffsetOutOfRangeError, RivuletError } from "../errors/index.js";
import { RivuletErrorCode } from "../protocol/ws/frames.js";

export class ConnectionError extends RivuletError {
  constructor(message: string, readonly closeCode?: number) {
    super("NETWORK_EXCEPTION", message, { retriable: true });
  }
}

/** Retention deleted records the consumer had not read yet: offsets [fromOffset, toOffset) are gone. */
export class GapError extends RivuletError {
  constructor(readonly topic: string, readonly partition: number, readonly fromOffset: bigint, readonly toOffset: bigint) {
    super("GAP", `${topic}-${partition}: offsets ${fromOffset}..${toOffset - 1n} were deleted by retention before they were read`);
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

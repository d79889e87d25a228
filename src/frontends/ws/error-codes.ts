// The error code a frame carries for an error: the Kafka code where Kafka has one, else Rivulet's own
// (frames.ts RivuletErrorCode), else -1 (UNKNOWN_SERVER_ERROR).

import { RivuletError, toKafkaCode } from "../../errors/index.js";
import { RivuletErrorCode } from "../../protocol/ws/frames.js";

export function errorCodeOf(error: unknown): number {
  if (error instanceof RivuletError) {
    const own = (RivuletErrorCode as Record<string, number>)[error.code];
    if (own !== undefined) return own;
  }
  return toKafkaCode(error);
}

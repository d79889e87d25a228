// The error code a frame carries for an error: the Kafka code where Kafka has one, else Rivulet's own
// (frames.ts RivuletErrorCode), else -1 (UNKNOWN_SERVER_ERROR). An untyped error is typed by the rule
// toKafkaCode follows (a failed file-system call is KAFKA_STORAGE_ERROR, a socket's never is).

import { asRivuletError, RivuletError, toKafkaCode } from "../../errors/index.js";
import { RivuletErrorCode } from "../../protocol/ws/frames.js";

export function errorCodeOf(error: unknown): number {
  if (error instanceof RivuletError) {
    const own = (RivuletErrorCode as Record<string, number>)[error.code];
    if (own !== undefined) return own;
  }
  return toKafkaCode(error);
}

/** An ERROR frame's code, code name and message for an error. */
export function errorFrameFieldsOf(error: unknown): { errorCode: number; code: string; message: string } {
  const e = asRivuletError(error);
  return { errorCode: errorCodeOf(e), code: e.code, message: e.message.slice(0, 1000) };
}

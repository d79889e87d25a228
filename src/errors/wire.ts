// Errors crossing a thread boundary travel as plain data (structured clone drops class identity); this is
// the one place they are flattened and rebuilt, so a shard's CorruptRecordError is still a
// CorruptRecordError on the main thread.

import {
  asRivuletError,
  CorruptRecordError,
  InvalidArgumentError,
  InvalidRecordError,
  KafkaProtocolError,
  MessageTooLargeError,
  OffsetOutOfRangeError,
  RivuletError,
  StorageError,
  UnknownTopicOrPartitionError,
  type KafkaErrorName,
} from "./index.js";
import { KafkaErrors } from "./kafka-codes.js";

export interface ErrorData {
  code: string;
  message: string;
  retriable: boolean;
  reason?: string;
  errno?: string;
  logStartOffset?: bigint;
  logEndOffset?: bigint;
}

export function errorToData(thrown: unknown): ErrorData {
  // An untyped error is typed first (a failed file-system call is a StorageError: asRivuletError).
  const error = asRivuletError(thrown);
  const data: ErrorData = { code: error.code, message: error.message, retriable: error.retriable };
  if (error instanceof CorruptRecordError) data.reason = error.reason;
  if (error instanceof StorageError) data.errno = error.errno;
  if (error instanceof OffsetOutOfRangeError) {
    data.logStartOffset = error.logStartOffset;
    data.logEndOffset = error.logEndOffset;
  }
  return data;
}

export function errorFromData(data: ErrorData): RivuletError {
  switch (data.code) {
    case "CORRUPT_MESSAGE":
      return new CorruptRecordError(data.reason ?? "UNKNOWN", data.message);
    case "INVALID_RECORD":
      return new InvalidRecordError(data.message);
    case "MESSAGE_TOO_LARGE":
      return new MessageTooLargeError(data.message);
    case "OFFSET_OUT_OF_RANGE":
      return new OffsetOutOfRangeError(data.message, data.logStartOffset ?? -1n, data.logEndOffset ?? -1n);
    case "UNKNOWN_TOPIC_OR_PARTITION":
      return new UnknownTopicOrPartitionError(data.message);
    case "KAFKA_STORAGE_ERROR":
      return new StorageError(data.message, { errno: data.errno });
    case "INVALID_ARGUMENT":
      return new InvalidArgumentError(data.message);
    default:
      if (data.code in KafkaErrors) return new KafkaProtocolError(data.code as KafkaErrorName, data.message);
      return new RivuletError(data.code, data.message, { retriable: data.retriable });
  }
}

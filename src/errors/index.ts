// Rivulet's typed errors. Every error a caller can see is a RivuletError with a string `code`, a
// `retriable` flag and, where the Kafka protocol has one, its numeric `kafkaCode`. Front ends never invent
// codes: `toKafkaCode` is the one place an error becomes a Kafka error code.

import { isFileSystemError } from "./filesystem.js";
import { KafkaErrors, type KafkaErrorName } from "./kafka-codes.js";

export { KafkaErrors, kafkaErrorByCode, type KafkaErrorName, type KafkaErrorInfo } from "./kafka-codes.js";
export { isFileSystemError } from "./filesystem.js";

export interface RivuletErrorOptions {
  cause?: unknown;
  retriable?: boolean;
}

export class RivuletError extends Error {
  /** Stable machine-readable code: a Kafka error name where one applies, else Rivulet's own. */
  readonly code: string;
  /** Kafka protocol error code, or -1 (UNKNOWN_SERVER_ERROR) when none applies. */
  readonly kafkaCode: number;
  readonly retriable: boolean;

  constructor(code: string, message: string, options: RivuletErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.code = code;
    const kafka = (KafkaErrors as Record<string, { code: number; retriable: boolean }>)[code];
    this.kafkaCode = kafka?.code ?? KafkaErrors.UNKNOWN_SERVER_ERROR.code;
    this.retriable = options.retriable ?? kafka?.retriable ?? false;
  }
}

/** An error whose code is a Kafka error name. */
export class KafkaProtocolError extends RivuletError {
  constructor(code: KafkaErrorName, message: string, options?: RivuletErrorOptions) {
    super(code, message, options);
  }
}

/** A record batch failed validation: bad magic, length, CRC, count or record layout. Kafka code 2. */
export class CorruptRecordError extends KafkaProtocolError {
  /** The core's status name (BAD_CRC, TRUNCATED, ...), for logs and tests. */
  readonly reason: string;
  constructor(reason: string, message: string, options?: RivuletErrorOptions) {
    super("CORRUPT_MESSAGE", message, options);
    this.reason = reason;
  }
}

/** A record or batch is structurally valid but not acceptable (control batch from a client, ...). Kafka 87. */
export class InvalidRecordError extends KafkaProtocolError {
  constructor(message: string, options?: RivuletErrorOptions) {
    super("INVALID_RECORD", message, options);
  }
}

export class MessageTooLargeError extends KafkaProtocolError {
  constructor(message: string, options?: RivuletErrorOptions) {
    super("MESSAGE_TOO_LARGE", message, options);
  }
}

export class OffsetOutOfRangeError extends KafkaProtocolError {
  constructor(
    message: string,
    readonly logStartOffset: bigint,
    readonly logEndOffset: bigint,
    options?: RivuletErrorOptions,
  ) {
    super("OFFSET_OUT_OF_RANGE", message, options);
  }
}

export class UnknownTopicOrPartitionError extends KafkaProtocolError {
  constructor(message: string, options?: RivuletErrorOptions) {
    super("UNKNOWN_TOPIC_OR_PARTITION", message, options);
  }
}

/** An I/O failure (ENOSPC, EIO, ...) while appending or reading: retriable once the fault clears. */
export class StorageError extends KafkaProtocolError {
  /** The errno code from Node (ENOSPC, EIO, ...), if any. */
  readonly errno: string | undefined;
  constructor(message: string, options: RivuletErrorOptions & { errno?: string } = {}) {
    super("KAFKA_STORAGE_ERROR", message, options);
    this.errno = options.errno;
  }
}

/** The WASM core could not do what was asked for a reason that is not the caller's input (memory). */
export class CoreError extends RivuletError {
  constructor(message: string, options?: RivuletErrorOptions) {
    super("CORE_ERROR", message, options);
  }
}

/**
 * A read-modify-write of shared cluster metadata (dynamic-configs.ts) kept losing to other writers of the
 * same keys and gave up after its bounded retries: nothing was changed, and the same request may simply be
 * sent again. Kafka has no code for this; REQUEST_TIMED_OUT is the retriable one its clients retry.
 */
export class ConcurrentUpdateError extends KafkaProtocolError {
  constructor(message: string, options?: RivuletErrorOptions) {
    super("REQUEST_TIMED_OUT", message, options);
  }
}

/** An argument to a public API is out of range. */
export class InvalidArgumentError extends RivuletError {
  constructor(message: string, options?: RivuletErrorOptions) {
    super("INVALID_ARGUMENT", message, options);
  }
}

/**
 * The one function that turns any error into a Kafka error code: a typed error's own, a failed file-system
 * call that escaped untyped KAFKA_STORAGE_ERROR (filesystem.ts; never a socket's), else UNKNOWN_SERVER_ERROR.
 */
export function toKafkaCode(error: unknown): number {
  if (error instanceof RivuletError) return error.kafkaCode;
  if (isFileSystemError(error)) return KafkaErrors.KAFKA_STORAGE_ERROR.code;
  return KafkaErrors.UNKNOWN_SERVER_ERROR.code;
}

/** Any error as a typed one, by the same rule as toKafkaCode (for answers that carry the code's name too). */
export function asRivuletError(error: unknown): RivuletError {
  if (error instanceof RivuletError) return error;
  const message = String((error as Error)?.message ?? error);
  if (isFileSystemError(error)) return new StorageError(message, { cause: error, errno: (error as { code: string }).code });
  return new RivuletError("UNKNOWN_SERVER_ERROR", message, { cause: error });
}

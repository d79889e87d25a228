// One way to turn an operating-system failure into the typed error clients see. Node's errno errors
// (ENOSPC: disk full, EMFILE: out of descriptors, EIO) carry a `syscall`; those become KAFKA_STORAGE_ERROR,
// which Kafka clients treat as retriable. Anything else (a corrupt file the recovery refuses, a bug) keeps
// its own type, so it is never mistaken for a passing condition.

import { StorageError } from "../errors/index.js";

/** Wraps an errno failure (ENOSPC, EMFILE, EIO, ...) as a typed, retriable StorageError. */
export function storageError(op: string, error: unknown): StorageError {
  if (error instanceof StorageError) return error;
  const errno = (error as NodeJS.ErrnoException)?.code;
  return new StorageError(`${op} failed: ${(error as Error)?.message ?? String(error)}`, { cause: error, errno });
}

/** True for an error thrown by a system call (it has `syscall`), as opposed to one we raised. */
export function isSystemCallError(error: unknown): error is NodeJS.ErrnoException {
  return typeof (error as NodeJS.ErrnoException | undefined)?.syscall === "string";
}

/** `storageError` for system-call failures; every other error passes through unchanged. */
export function storageErrorIfSystem(op: string, error: unknown): unknown {
  return isSystemCallError(error) ? storageError(op, error) : error;
}

// Which untyped errors are a failed file-system call. Storage code types its own failures (StorageError,
// storage/storage-error.ts); this catches one that escaped untyped, so a client still sees the retriable
// KAFKA_STORAGE_ERROR (56) rather than UNKNOWN_SERVER_ERROR (-1). A network failure must never read as
// one: a broker answering KAFKA_STORAGE_ERROR for a dropped connection would send clients after a disk
// that is fine. Node names the failed call in `syscall`, and sockets share three names with files
// (read, write, close: "read ECONNRESET", "write EPIPE"), so those count only with evidence of a file:
// a path, or an error no socket call returns.
//
// Sans-IO: only the error's own fields are read.

/** Calls on a path: a socket never makes them. */
const PATH_CALLS = new Set([
  "open", "stat", "lstat", "access", "chmod", "chown", "lchown", "utime", "lutime", "unlink", "rmdir", "rm",
  "mkdir", "mkdtemp", "rename", "scandir", "readdir", "opendir", "link", "symlink", "readlink", "realpath",
  "copyfile", "cp", "statfs",
]);

/** Calls on an open file's descriptor that Node makes only for files. */
const FILE_DESCRIPTOR_CALLS = new Set(["fstat", "ftruncate", "fsync", "fdatasync", "fchmod", "fchown", "futime", "closedir"]);

/** Calls on a descriptor that may be a socket as well as a file. */
const SHARED_CALLS = new Set(["read", "write", "close"]);

/**
 * Errors of those shared calls that only a file gives: the device is full, over quota, read-only or
 * failing, the file too large, or a directory. Not EPERM or EACCES: a firewall rule refusing a send is
 * `write EPERM` on a socket.
 */
const FILE_ONLY_CODES = new Set(["ENOSPC", "EDQUOT", "EROFS", "EIO", "EFBIG", "EISDIR"]);

interface SystemError {
  code: string;
  syscall: string;
  path?: unknown;
}

/** True for a Node system error (a `syscall` and an errno `code`) from a file-system call, never a socket's. */
export function isFileSystemError(error: unknown): boolean {
  const e = error as Partial<SystemError> | null | undefined;
  if (typeof e !== "object" || e === null || typeof e.syscall !== "string" || typeof e.code !== "string") return false;
  if (PATH_CALLS.has(e.syscall) || FILE_DESCRIPTOR_CALLS.has(e.syscall)) return true;
  return SHARED_CALLS.has(e.syscall) && (typeof e.path === "string" || FILE_ONLY_CODES.has(e.code));
}

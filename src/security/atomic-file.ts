// Durable small files (the user and ACL stores): write a temporary file beside the target, fsync it,
// rename it over the target and fsync the directory, so a crash leaves either the old or the new content,
// never a torn file. A failure of the system (disk full, out of descriptors) is a typed, retriable
// KAFKA_STORAGE_ERROR and leaves no temporary file behind.

import { closeSync, fsyncSync, mkdirSync, openSync, readFileSync, renameSync, rmSync, writeSync } from "node:fs";
import { dirname } from "node:path";
import { storageErrorIfSystem } from "../storage/storage-error.js";

export function writeFileAtomic(path: string, text: string, mode = 0o600): void {
  const dir = dirname(path);
  const temp = `${path}.tmp-${process.pid}-${Date.now()}`;
  try {
    mkdirSync(dir, { recursive: true });
    const fd = openSync(temp, "w", mode);
    try {
      writeSync(fd, text);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(temp, path);
  } catch (error) {
    rmSync(temp, { force: true });
    throw storageErrorIfSystem(`write ${path}`, error);
  }
  try {
    const dirFd = openSync(dir, "r");
    try {
      fsyncSync(dirFd);
    } finally {
      closeSync(dirFd);
    }
  } catch (error) {
    // The new content is in place but its rename may not survive a power cut: the caller must not
    // report success, and retrying writes the same content again.
    throw storageErrorIfSystem(`fsync ${dir}`, error);
  }
}

/** The file's text, or undefined when it does not exist. */
export function readFileIfExists(path: string): string | undefined {
  try {
    return readFileSync(path, "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw error;
  }
}

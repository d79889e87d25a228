// The files of the user and ACL stores. Written with the storage engine's writeFileAtomic (temporary file,
// fsync, rename, fsync of the directory), so a crash leaves either the old or the new content, never a torn
// file; mode 0600 because they hold credentials and the authorization policy. A failure of the system (disk
// full, out of descriptors) is a typed, retriable KAFKA_STORAGE_ERROR and leaves no temporary file behind.

import { readFileSync } from "node:fs";
import { dirname } from "node:path";
import { nodeFileSystem, writeFileAtomic } from "../storage/fs.js";
import { storageErrorIfSystem } from "../storage/storage-error.js";

const STORE_FILE_MODE = 0o600;

export function writeStoreFile(path: string, text: string): void {
  try {
    // The first write creates `<data-dir>/security/`.
    nodeFileSystem.mkdirp(dirname(path));
    writeFileAtomic(nodeFileSystem, path, new TextEncoder().encode(text), STORE_FILE_MODE);
  } catch (error) {
    throw storageErrorIfSystem(`write ${path}`, error);
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

// A failed file-system call that escaped untyped is KAFKA_STORAGE_ERROR (56, retriable) wherever an error
// becomes a code: toKafkaCode, the WebSocket door's ERROR frame, the shard-to-main-thread error data. A
// socket's failure never is, though sockets share `read`, `write` and `close` with files. Real errors from
// Node where the machine can make them, the rest shaped as Node shapes them.
import { closeSync, fsyncSync, mkdtempSync, openSync, readFileSync, readSync, renameSync, rmSync } from "node:fs";
import { createConnection, createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { asRivuletError, isFileSystemError, KafkaErrors, StorageError, toKafkaCode } from "../../src/errors/index.js";
import { errorFromData, errorToData } from "../../src/errors/wire.js";
import { errorFrameFieldsOf } from "../../src/frontends/ws/error-codes.js";

const STORAGE = KafkaErrors.KAFKA_STORAGE_ERROR.code;
const UNKNOWN = KafkaErrors.UNKNOWN_SERVER_ERROR.code;
const dir = mkdtempSync(join(tmpdir(), "rivulet-fserr-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const thrown = (f: () => unknown): unknown => {
  try {
    f();
  } catch (error) {
    return error;
  }
  throw new Error("did not throw");
};
/** An error as Node shapes a system error (code, errno, syscall, and path for a call on a path). */
const systemError = (code: string, syscall: string, path?: string) =>
  Object.assign(new Error(`${code}: ${syscall}${path ? ` '${path}'` : ""}`), { code, errno: -1, syscall, ...(path ? { path } : {}) });

/** The error a client socket gets when the server resets it: `read ECONNRESET` (or `write EPIPE`). */
async function socketError(): Promise<NodeJS.ErrnoException> {
  const server = createServer((s) => s.once("data", () => s.resetAndDestroy()));
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const port = (server.address() as { port: number }).port;
  try {
    return await new Promise((resolve) => {
      const c = createConnection(port, "127.0.0.1");
      c.on("error", resolve);
      c.on("connect", () => c.write("x"));
    });
  } finally {
    server.close();
  }
}

describe("failed file-system calls are KAFKA_STORAGE_ERROR", () => {
  it("real ones from node:fs: open, rename, read of a directory, fsync of a bad descriptor", () => {
    const errors = [
      thrown(() => openSync(join(dir, "missing", "x"), "r")), // open ENOENT, with a path
      thrown(() => renameSync(join(dir, "nope"), join(dir, "other"))), // rename ENOENT
      thrown(() => readFileSync(dir)), // read EISDIR, no path
      thrown(() => {
        const fd = openSync(dir, "r");
        try {
          readSync(fd, Buffer.alloc(1));
        } finally {
          closeSync(fd);
        }
      }),
      thrown(() => fsyncSync(999_999)), // fsync EBADF: a descriptor call only files get
    ];
    for (const error of errors) {
      expect(isFileSystemError(error), String(error)).toBe(true);
      expect(toKafkaCode(error), String(error)).toBe(STORAGE);
    }
  });

  it("as Node shapes them: a full disk on write or fdatasync, no descriptor left on open, a read-only file system", () => {
    for (const error of [
      systemError("ENOSPC", "write"), systemError("EDQUOT", "write"), systemError("EIO", "fdatasync"),
      systemError("EMFILE", "open", "/data/t-0/0.log"), systemError("EROFS", "open", "/data/topics.json"),
      systemError("EACCES", "write", "/data/x"), systemError("ENOSPC", "ftruncate"), systemError("ENOENT", "scandir", "/data"),
    ]) {
      expect(toKafkaCode(error), error.message).toBe(STORAGE);
    }
  });

  it("typed the same way in the WebSocket door's ERROR frame and across the shard boundary", () => {
    const full = systemError("ENOSPC", "write");
    expect(errorFrameFieldsOf(full)).toMatchObject({ errorCode: STORAGE, code: "KAFKA_STORAGE_ERROR" });
    expect(asRivuletError(full)).toBeInstanceOf(StorageError);
    const crossed = errorFromData(errorToData(full));
    expect(crossed).toBeInstanceOf(StorageError);
    expect(crossed).toMatchObject({ kafkaCode: STORAGE, retriable: true, errno: "ENOSPC" });
  });
});

describe("socket failures and other untyped errors stay UNKNOWN_SERVER_ERROR", () => {
  it("a real reset connection (read ECONNRESET or write EPIPE)", async () => {
    const error = await socketError();
    expect(["read", "write"]).toContain(error.syscall);
    expect(isFileSystemError(error), String(error)).toBe(false);
    expect(toKafkaCode(error)).toBe(UNKNOWN);
    expect(errorFrameFieldsOf(error)).toMatchObject({ errorCode: UNKNOWN, code: "UNKNOWN_SERVER_ERROR" });
    expect(errorToData(error).code).toBe("UNKNOWN_SERVER_ERROR");
  });

  it("as Node shapes them: socket calls, socket errors of the calls files share, and errors that are no system call", () => {
    for (const error of [
      systemError("ECONNREFUSED", "connect"), systemError("ECONNRESET", "read"), systemError("EPIPE", "write"),
      systemError("EPERM", "write"), systemError("EACCES", "write"), systemError("EMFILE", "accept"), systemError("EBADF", "close"),
      systemError("ENOTFOUND", "getaddrinfo"), systemError("EADDRINUSE", "listen"),
      new Error("plain"), Object.assign(new Error("no syscall"), { code: "ENOSPC" }), "a string", undefined,
    ]) {
      expect(toKafkaCode(error), String(error)).toBe(UNKNOWN);
      expect(errorFrameFieldsOf(error).code, String(error)).toBe("UNKNOWN_SERVER_ERROR");
    }
  });
});

// writeFileAtomic, the one atomic small-file write (storage metadata, checkpoints, the security stores):
// a failure at any step leaves the previous content and no temporary file, and the new file gets the mode
// the caller asks for.
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { nodeFileSystem, writeFileAtomic } from "../../src/storage/fs.js";
import { MemoryFileSystem } from "../helpers/memory-fs.js";

const text = (s: string) => new TextEncoder().encode(s);
const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

describe("writeFileAtomic", () => {
  for (const op of ["open", "write", "sync", "rename"] as const) {
    it(`a failed ${op} keeps the previous content and leaves no temporary file`, () => {
      const fs = new MemoryFileSystem();
      fs.mkdirp("/d");
      writeFileAtomic(fs, "/d/meta.json", text("old"));
      fs.failNext(op, "ENOSPC");
      expect(() => writeFileAtomic(fs, "/d/meta.json", text("new"))).toThrow(expect.objectContaining({ code: "ENOSPC", syscall: op }));
      expect(new TextDecoder().decode(fs.readFile("/d/meta.json"))).toBe("old");
      expect(fs.list("/d")).toEqual(["meta.json"]);
      writeFileAtomic(fs, "/d/meta.json", text("new"));
      expect(new TextDecoder().decode(fs.readFile("/d/meta.json"))).toBe("new");
    });
  }

  it("creates the file with the mode asked for (0644 by default)", () => {
    const dir = mkdtempSync(join(tmpdir(), "rivulet-atomic-"));
    dirs.push(dir);
    writeFileAtomic(nodeFileSystem, join(dir, "secret.json"), text("{}"), 0o600);
    writeFileAtomic(nodeFileSystem, join(dir, "plain.json"), text("{}"));
    expect(statSync(join(dir, "secret.json")).mode & 0o777).toBe(0o600);
    expect(statSync(join(dir, "plain.json")).mode & 0o777).toBe(0o644 & ~process.umask());
    expect(readFileSync(join(dir, "secret.json"), "utf8")).toBe("{}");
    expect(readdirSync(dir).sort()).toEqual(["plain.json", "secret.json"]);
  });
});

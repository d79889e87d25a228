// DeleteRecords on a disk that refuses the checkpoint write (storage/delete-records.ts): the log start must
// be durable before it is in effect, so a failed write leaves it where it was and the caller gets the error
// (a cluster follower then never confirms it to its leader: test/cluster/delete-records-full-disk.test.ts).

import { describe, expect, it } from "vitest";
import { deleteRecordsBefore } from "../../src/storage/delete-records.js";
import { batchOf, newFs, openLog, readAll } from "./helpers.js";

describe("deleteRecordsBefore", () => {
  it("a checkpoint write the disk refuses (ENOSPC) moves nothing and throws; the next call moves it durably", () => {
    const fs = newFs();
    const { log } = openLog(fs);
    log.append(batchOf(10));
    fs.failNext("write", "ENOSPC", "checkpoint");
    expect(() => deleteRecordsBefore(log, 5n)).toThrow(expect.objectContaining({ code: "ENOSPC" }));
    expect(log.logStartOffset).toBe(0n);
    expect(readAll(log).length).toBe(10);

    expect(deleteRecordsBefore(log, 5n)).toBe(5n);
    log.abandon();
    const { log: reopened } = openLog(fs);
    expect(reopened.logStartOffset).toBe(5n);
  });

  it("failed checkpoint writes are logged once (warn) until one succeeds (info), not once per call", () => {
    const fs = newFs();
    const { log, logger } = openLog(fs);
    log.append(batchOf(10));
    for (let i = 0; i < 3; i++) {
      fs.failNext("open", "EMFILE", "checkpoint");
      expect(() => deleteRecordsBefore(log, 5n)).toThrow(expect.objectContaining({ code: "EMFILE" }));
    }
    expect(deleteRecordsBefore(log, 5n)).toBe(5n);
    const lines = logger.entries.filter((e) => e.level !== "debug" && /log start|checkpoint/.test(e.msg)).map((e) => `${e.level} ${e.msg}`);
    expect(lines).toEqual([
      "warn log start not moved: its checkpoint could not be written; DeleteRecords fails until it can",
      "info log start checkpoint writes succeed again",
    ]);
  });
});

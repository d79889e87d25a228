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
});

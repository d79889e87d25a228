import { describe, expect, it } from "vitest";
import { FailureEpisodes } from "../src/failure-episodes.js";
import { memoryLogger } from "../src/log.js";

const messages = { started: "writes fail", continues: "writes still fail", ended: "writes succeed again" };

describe("FailureEpisodes", () => {
  it("warns once per episode, debugs the retries, and reports the recovery once", () => {
    const logger = memoryLogger();
    const episodes = FailureEpisodes.byName(messages);
    episodes.succeeded("g", logger); // nothing failed yet: nothing to report
    episodes.failed("g", logger, { attempt: 1 });
    episodes.failed("g", logger, { attempt: 2 });
    episodes.failed("g", logger, { attempt: 3 });
    episodes.succeeded("g", logger, { attempt: 4 });
    episodes.succeeded("g", logger);
    episodes.failed("g", logger, { attempt: 5 }); // a new episode warns again
    expect(logger.entries.map((e) => [e.level, e.msg, e.attempt])).toEqual([
      ["warn", "writes fail", 1],
      ["debug", "writes still fail", 2],
      ["debug", "writes still fail", 3],
      ["info", "writes succeed again", 4],
      ["warn", "writes fail", 5],
    ]);
  });

  it("keeps the episodes of different keys apart", () => {
    const logger = memoryLogger();
    const episodes = FailureEpisodes.byObject<object>(messages);
    const a = {};
    const b = {};
    episodes.failed(a, logger, {});
    episodes.failed(b, logger, {});
    episodes.succeeded(a, logger);
    episodes.failed(b, logger, {});
    expect(logger.entries.map((e) => `${e.level} ${e.msg}`)).toEqual(["warn writes fail", "warn writes fail", "info writes succeed again", "debug writes still fail"]);
  });
});

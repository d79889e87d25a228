import { describe, expect, it } from "vitest";
import { memoryLogger } from "../src/log.js";
import { RefusalLog } from "../src/refusal-log.js";

function setup(options: { maxAddresses?: number } = {}) {
  const logger = memoryLogger();
  let now = 0;
  const refusals = new RefusalLog(logger, { windowMs: 60_000, now: () => now, ...options });
  return { logger, refusals, advance: (ms: number) => void (now += ms) };
}

describe("RefusalLog", () => {
  it("warns once per address and kind a minute, and reports the repeats with the next warning", () => {
    const { logger, refusals, advance } = setup();
    for (let i = 0; i < 100; i++) refusals.warn("refused: origin", "10.0.0.1", { origin: "https://evil.example" });
    refusals.warn("refused: origin", "10.0.0.2");
    refusals.warn("refused: protected mode", "10.0.0.1");
    advance(59_999);
    refusals.warn("refused: origin", "10.0.0.1");
    advance(1);
    refusals.warn("refused: origin", "10.0.0.1");
    expect(logger.entries).toEqual([
      { level: "warn", msg: "refused: origin", remote: "10.0.0.1", origin: "https://evil.example" },
      { level: "warn", msg: "refused: origin", remote: "10.0.0.2" },
      { level: "warn", msg: "refused: protected mode", remote: "10.0.0.1" },
      { level: "warn", msg: "refused: origin", remote: "10.0.0.1", repeated: 100 },
    ]);
  });

  it("remembers a bounded number of addresses; past it, one warning a minute counts what went unlogged", () => {
    const { logger, refusals, advance } = setup({ maxAddresses: 3 });
    for (let i = 0; i < 10; i++) refusals.warn("refused", `10.0.0.${i}`);
    expect(logger.entries.map((e) => e.remote ?? e.msg)).toEqual(["10.0.0.0", "10.0.0.1", "10.0.0.2", "refused connections from too many addresses to log each"]);
    expect(logger.entries[3]).toMatchObject({ refusedUnlogged: 1 });
    // A minute later the old addresses are forgotten, so new ones are logged again.
    advance(60_000);
    refusals.warn("refused", "10.0.1.1");
    expect(logger.entries.at(-1)).toMatchObject({ msg: "refused", remote: "10.0.1.1" });
  });
});

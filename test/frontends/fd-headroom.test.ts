// The listeners' descriptor reserve (src/frontends/fd-headroom.ts) with counts fed by the test: admits
// until the reserve, counts admitted connections before the next read, logs one warning per episode and
// one info when it ends (hysteresis), and treats an unreadable count (EMFILE) as full. The default count
// of open descriptors follows the process' own opens and closes.
import { closeSync, openSync, readdirSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { FdHeadroom, openDescriptorCount } from "../../src/frontends/fd-headroom.js";
import { memoryLogger } from "../../src/log.js";

describe("FdHeadroom", () => {
  it("admits until the reserve, logs once per episode, recovers with hysteresis", () => {
    const counts: { limit: number | undefined; open: number | undefined } = { limit: 100, open: 70 };
    const logger = memoryLogger();
    const lines = logger.entries;
    const h = new FdHeadroom(logger, { reserve: 16, refreshMs: 60_000, read: () => counts });
    try {
      // 100 - 70 = 30 free, 16 kept: 14 admitted before the next read, then refused.
      const admitted = Array.from({ length: 20 }, () => h.admit("kafka")).filter(Boolean).length;
      expect(admitted).toBe(14);
      expect(h.admit("websocket")).toBe(false);
      const warnings = () => lines.filter((l) => l.msg.includes("out of file descriptors"));
      expect(warnings()).toHaveLength(1);
      // Some closed, but not enough for the hysteresis (free must exceed 16 + 8): still the same episode.
      counts.open = 80;
      h.refresh();
      expect(h.admit("kafka")).toBe(true); // 20 free > 16
      counts.open = 84;
      h.refresh();
      expect(h.admit("kafka")).toBe(false);
      expect(warnings()).toHaveLength(1);
      expect(lines.filter((l) => l.msg.includes("available again"))).toHaveLength(0);
      // Enough free again: the episode ends, logged once with how many were refused.
      counts.open = 50;
      h.refresh();
      const ended = lines.filter((l) => l.msg.includes("available again"));
      expect(ended).toHaveLength(1);
      expect(ended[0]).toMatchObject({ refused: 8 });
      expect(h.admit("kafka")).toBe(true);
      // An unreadable count (EMFILE) is a full table.
      counts.open = undefined;
      h.refresh();
      expect(h.admit("kafka")).toBe(false);
      expect(warnings()).toHaveLength(2);
    } finally {
      h.close();
    }
  });

  it("admits everything where the limit is unknown or unlimited", () => {
    const logger = memoryLogger();
    for (const limit of [undefined, Number.POSITIVE_INFINITY]) {
      const h = new FdHeadroom(logger, { reserve: 16, read: () => ({ limit, open: 10 }) });
      expect(Array.from({ length: 1000 }, () => h.admit("kafka")).every(Boolean)).toBe(true);
      h.close();
    }
  });

  it.runIf(process.platform === "linux")("counts this process' open descriptors, as the listing of /proc/self/fd does", () => {
    const before = openDescriptorCount()!;
    // The listing holds its own descriptor for the directory while it reads it.
    expect(Math.abs(readdirSync("/proc/self/fd").length - 1 - before)).toBeLessThanOrEqual(1);
    const opened = Array.from({ length: 300 }, () => openSync("/dev/null", "r"));
    try {
      expect(openDescriptorCount()! - before).toBe(300);
    } finally {
      for (const fd of opened) closeSync(fd);
    }
    expect(openDescriptorCount()).toBe(before);
  });
});

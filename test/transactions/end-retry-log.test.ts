// A transaction end whose markers cannot be written (no file descriptor left, a full disk) is retried by the
// coordinator's timer every abortCheckMs (src/transactions/end.ts tryComplete): the failure is logged once
// (warn), each retry at debug only, and the end that finally completes once (info).

import { describe, expect, it } from "vitest";
import { StorageError } from "../../src/errors/index.js";
import { memoryLogger } from "../../src/log.js";
import { tryComplete, type EndContext } from "../../src/transactions/end.js";
import type { TxnMeta } from "../../src/transactions/support.js";

describe("tryComplete's log", () => {
  it("one warning for a failing end however often the timer retries it, one info line when it completes", async () => {
    const meta: TxnMeta = {
      transactionalId: "t", producerId: 10n, producerEpoch: 5, timeoutMs: 60_000, status: "PrepareCommit",
      partitions: new Map([["orders", new Set([0])]]), lastUpdateMs: 0, startMs: 0, pendingOffsets: [],
    };
    let failures = 4;
    const logger = memoryLogger();
    const ctx: EndContext = {
      broker: {
        initProducerId: () => ({ producerId: 11n, producerEpoch: 0 }),
        writeMarkers: async (items) => items.map(() => (failures > 0 ? { error: new StorageError("roll failed: EMFILE: too many open files") } : { ok: { offset: 1n, logEndOffset: 2n, lastStableOffset: 2n } })),
      },
      groups: undefined,
      logger,
      transition: async (target, changes) => void Object.assign(target, changes),
      forgetProducer: () => undefined,
    };
    for (; failures > 0; failures--) expect(await tryComplete(ctx, meta)).toBe(false);
    expect(await tryComplete(ctx, meta)).toBe(true);
    expect(meta.status).toBe("CompleteCommit");
    expect(logger.entries.map((e) => `${e.level} ${e.msg}`)).toEqual([
      "warn transaction end not finished; will retry",
      ...Array.from({ length: 3 }, () => "debug transaction end still not finished; will retry"),
      "info transaction end finished after retries",
    ]);
  });
});

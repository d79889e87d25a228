// EndTxn v5's rules (src/transactions/end-v2.ts) on a coordinator stand-in that records every durable
// transition and marker: the epoch overflow (markers at 32767, then a new producer id at epoch 0, and the
// retry of that end naming the old id), a marker write that fails (NONE, left Prepare* for the timer), and
// the state/epoch table for Prepare*, Complete*, Empty.

import { describe, expect, it } from "vitest";
import { KafkaProtocolError } from "../../src/errors/index.js";
import { memoryLogger } from "../../src/log.js";
import type { MarkerItem } from "../../src/shard/protocol.js";
import type { EndContext } from "../../src/transactions/end.js";
import { endTxnV2 } from "../../src/transactions/end-v2.js";
import type { TxnMeta } from "../../src/transactions/support.js";

function setup(meta: Partial<TxnMeta>, failMarkers = false) {
  const m: TxnMeta = {
    transactionalId: "t", producerId: 10n, producerEpoch: 5, timeoutMs: 60_000, status: "Ongoing",
    partitions: new Map([["orders", new Set([0, 1])]]), lastUpdateMs: 0, startMs: 0, pendingOffsets: [], ...meta,
  };
  const states: Partial<TxnMeta>[] = [];
  const markers: MarkerItem[] = [];
  let next = 100n;
  const ctx: EndContext = {
    broker: {
      initProducerId: () => ({ producerId: next++, producerEpoch: 0 }),
      writeMarkers: async (items) => {
        markers.push(...items);
        return items.map(() => (failMarkers ? { error: new KafkaProtocolError("NOT_LEADER_OR_FOLLOWER", "moved") } : { ok: { offset: 1n, logEndOffset: 2n, lastStableOffset: 2n } }));
      },
    },
    groups: undefined,
    logger: memoryLogger(),
    transition: async (target, changes) => {
      states.push({ ...changes });
      Object.assign(target, changes);
    },
    forgetProducer: () => undefined,
  };
  const previous = new Map<string, bigint>();
  const end = (producerId: bigint, producerEpoch: number, commit: boolean) => endTxnV2(ctx, m, { producerId, producerEpoch, commit }, previous, () => undefined);
  return { m, states, markers, end };
}

describe("EndTxn v5 rules", () => {
  it("an ordinary commit: Prepare at epoch + 1, markers at it, Complete; the answer names the bumped epoch", async () => {
    const { m, states, markers, end } = setup({});
    expect(await end(10n, 5, true)).toEqual({ errorCode: 0, producerId: 10n, producerEpoch: 6 });
    expect(states.map((s) => [s.status, s.producerEpoch])).toEqual([["PrepareCommit", 6], ["CompleteCommit", undefined]]);
    expect(markers.map((x) => [x.partition, x.producerId, x.producerEpoch, x.commit])).toEqual([[0, 10n, 6, true], [1, 10n, 6, true]]);
    expect(m.status).toBe("CompleteCommit");
  });

  it("epoch overflow: markers at 32767 with the old id, then a new id at epoch 0; the retry naming the old id gets the new one", async () => {
    const { m, states, markers, end } = setup({ producerEpoch: 32766 });
    expect(await end(10n, 32766, true)).toEqual({ errorCode: 0, producerId: 100n, producerEpoch: 0 });
    expect(markers.every((x) => x.producerId === 10n && x.producerEpoch === 32767)).toBe(true);
    expect(states.at(-1)).toEqual({ producerId: 100n, producerEpoch: 0 });
    expect(await end(10n, 32766, true)).toEqual({ errorCode: 0, producerId: 100n, producerEpoch: 0 });
    expect((await end(10n, 32766, false)).errorCode).toBe(48);
    expect((await end(10n, 32765, true)).errorCode).toBe(49);
    expect(m.producerId).toBe(100n);
  });

  it("a failed marker write answers NONE at the bumped epoch and leaves the end Prepare* (the timer retries it)", async () => {
    const { m, end } = setup({}, true);
    expect(await end(10n, 5, false)).toEqual({ errorCode: 0, producerId: 10n, producerEpoch: 6 });
    expect(m.status).toBe("PrepareAbort");
    // A retry meanwhile: CONCURRENT_TRANSACTIONS; the other outcome INVALID_TXN_STATE; the new epoch is fenced here.
    expect((await end(10n, 5, false)).errorCode).toBe(51);
    expect((await end(10n, 5, true)).errorCode).toBe(48);
    expect((await end(10n, 6, false)).errorCode).toBe(90);
  });

  it("Empty: an abort bumps the epoch with no markers, a commit is INVALID_TXN_STATE; a stale epoch is PRODUCER_FENCED", async () => {
    const { states, markers, end } = setup({ status: "Empty", partitions: new Map() });
    expect((await end(10n, 5, true)).errorCode).toBe(48);
    expect((await end(10n, 4, false)).errorCode).toBe(90);
    expect(await end(10n, 5, false)).toEqual({ errorCode: 0, producerId: 10n, producerEpoch: 6 });
    expect(markers).toEqual([]);
    expect(states.map((s) => s.status)).toEqual(["PrepareAbort", "CompleteAbort"]);
  });
});

// AppendWatch's hand-off of an appended batch to the wake-ups it runs (issue 14): appendedAt answers only
// during appended(), only for a reader whose offset is exactly the batch's base offset, and
// hasOffsetWaiters counts readers waiting for an offset (cancelled, woken and forgotten ones leave).
import { describe, expect, it } from "vitest";
import { AppendWatch } from "../../src/broker/append-watch.js";

const bytes = new Uint8Array([1, 2, 3]);

describe("AppendWatch.appendedAt", () => {
  it("hands the appended batch only to wake-ups at its base offset, during the append", () => {
    const watch = new AppendWatch();
    watch.setEnd("t", 0, 10n);
    const seen: Array<ReturnType<AppendWatch["appendedAt"]>> = [];
    watch.onceAfter("t", 0, 10n, () => seen.push(watch.appendedAt("t", 0, 10n)));
    watch.onceAfter("t", 0, 9n, () => {}); // already past: woken at once, nothing to take
    watch.onceAfter("t", 0, 10n, () => seen.push(watch.appendedAt("t", 0, 11n))); // wrong offset
    watch.onceAfter("t", 0, 10n, () => seen.push(watch.appendedAt("t", 1, 10n))); // wrong partition
    watch.appended("t", 0, 12n, 3, { baseOffset: 10n, records: bytes });
    expect(seen).toEqual([{ records: bytes, end: 12n }, undefined, undefined]);
    expect(watch.appendedAt("t", 0, 10n)).toBeUndefined(); // gone once the append's wake-ups ran
  });

  it("has nothing to hand over when the shard did not send the batch back", () => {
    const watch = new AppendWatch();
    watch.setEnd("t", 0, 0n);
    let got: unknown = "not called";
    watch.onceAfter("t", 0, 0n, () => (got = watch.appendedAt("t", 0, 0n)));
    watch.appended("t", 0, 1n, 3);
    expect(got).toBeUndefined();
  });

  it("a wake-up that throws does not leave the batch reachable", () => {
    const watch = new AppendWatch();
    watch.setEnd("t", 0, 0n);
    watch.onceAfter("t", 0, 0n, () => {
      throw new Error("boom");
    });
    expect(() => watch.appended("t", 0, 1n, 3, { baseOffset: 0n, records: bytes })).toThrow("boom");
    expect(watch.appendedAt("t", 0, 0n)).toBeUndefined();
  });
});

describe("AppendWatch.hasOffsetWaiters", () => {
  it("counts readers waiting for an offset, not byte waiters, and forgets them when woken, cancelled or forgotten", async () => {
    const watch = new AppendWatch();
    watch.setEnd("t", 0, 5n);
    expect(watch.hasOffsetWaiters("t", 0)).toBe(false);
    const bytesWait = watch.waitForBytes([{ topic: "t", partition: 0 }], 1 << 20, 60_000);
    expect(watch.hasOffsetWaiters("t", 0)).toBe(false); // a long-polling fetch cannot use a returned batch

    const cancel = watch.onceAfter("t", 0, 5n, () => {});
    expect(watch.hasOffsetWaiters("t", 0)).toBe(true);
    cancel();
    cancel(); // twice: counted once
    expect(watch.hasOffsetWaiters("t", 0)).toBe(false);

    const abort = new AbortController();
    const offsetWait = watch.waitForOffset("t", 0, 5n, abort.signal);
    let woken = 0;
    watch.onceAfter("t", 0, 5n, () => woken++);
    expect(watch.hasOffsetWaiters("t", 0)).toBe(true);
    abort.abort();
    await offsetWait;
    expect(watch.hasOffsetWaiters("t", 0)).toBe(true); // the callback one still waits
    watch.appended("t", 0, 6n, 10);
    expect(woken).toBe(1);
    expect(watch.hasOffsetWaiters("t", 0)).toBe(false);

    watch.onceAfter("t", 0, 6n, () => woken++);
    watch.forget("t", 0);
    expect(woken).toBe(2);
    expect(watch.hasOffsetWaiters("t", 0)).toBe(false);
    watch.releaseAll();
    await bytesWait;
  });
});

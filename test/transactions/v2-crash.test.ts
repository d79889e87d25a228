// kill -9 during a transactions v2 end: a broker child process dies right after PrepareCommit (written at
// the bumped epoch) is durable, before any marker and before the EndTxn v5 answer. After a restart the
// commit is finished (both partitions visible to read_committed, the LSO at the log end), the client's
// retry (one epoch behind) is recognized and answered with the bumped epoch, and the old epoch is fenced.

import { describe, expect, it } from "vitest";
import { eventually } from "../kafka/helpers.js";
import { brokerChildren, exited } from "../helpers/broker-child.js";
import { createTopic, endTxn, initProducer, produceTx, readCommitted } from "./v2-steps.js";
import { Connection } from "./wire.js";

const brokers = brokerChildren();

describe("kill -9 during an EndTxn v5", () => {
  it("crash at prepared: the commit finishes at the bumped epoch, the retry is answered with it, the old epoch is fenced", async () => {
    const dataDir = brokers.dataDir("txn-v2-crash");
    const first = await brokers.start(dataDir, "prepared");
    let conn = await Connection.open(first.kafkaPort);
    expect(await createTopic(conn, "v2-crash", 2)).toBe(0);
    const { producerId, producerEpoch } = await initProducer(conn, "v2-crash-tx");
    for (const partition of [0, 1]) expect(await produceTx(conn, "v2-crash-tx", "v2-crash", partition, producerId, producerEpoch, `p${partition}`)).toBe(0);
    await expect(endTxn(conn, "v2-crash-tx", producerId, producerEpoch, true)).rejects.toThrow(/closed/);
    await exited(first.child);
    expect(first.child.signalCode).toBe("SIGKILL");

    const second = await brokers.start(dataDir);
    conn = await Connection.open(second.kafkaPort);
    // The client retries its EndTxn (it never saw the answer): one epoch behind the durable bump.
    const retried = await eventually(async () => {
      const r = await endTxn(conn, "v2-crash-tx", producerId, producerEpoch, true);
      return r.errorCode === 0 ? r : undefined;
    }, 10_000, "the retried EndTxn v5 answered NONE");
    expect([retried.producerId, retried.producerEpoch]).toEqual([producerId, producerEpoch + 1]);
    for (const partition of [0, 1]) expect(await readCommitted(conn, "v2-crash", partition)).toEqual({ values: [`p${partition}`], atEnd: true });
    expect(await produceTx(conn, "v2-crash-tx", "v2-crash", 0, producerId, producerEpoch, "zombie")).toBe(47);
    conn.close();
  }, 60_000);
});

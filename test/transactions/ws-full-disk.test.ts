// The WebSocket front end's transaction end on a full disk (a real tmpfs, test/helpers/tmpfs.ts) under a
// broker child process: commitTransaction() fails with a typed, retriable error when the coordinator
// cannot write its decision, the broker stays up, and the transaction stays open (on the broker and in the
// client): once space returns, commitTransaction() again commits exactly it, or abortTransaction() aborts
// it; it is never folded into the next transaction.

import { unlinkSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { connect } from "../../src/client/index.js";
import { brokerChildren, closeBroker } from "../helpers/broker-child.js";
import { tmpfsMounts, tmpfsSkipReason } from "../helpers/tmpfs.js";
import { readCommitted } from "./v2-steps.js";
import { Connection } from "./wire.js";

const brokers = brokerChildren();
const tmpfs = tmpfsMounts();

describe("WebSocket transactions on a full disk", () => {
  for (const retry of ["commit", "abort"] as const) {
    it(`commitTransaction() fails with a typed retriable error; once space returns, ${retry}Transaction() again ends that transaction`, async (ctx) => {
      if (tmpfsSkipReason) {
        console.warn(`ws-full-disk skipped: ${tmpfsSkipReason}`);
        return ctx.skip();
      }
      const dataDir = brokers.dataDir("txn-ws-full");
      tmpfs.mount(dataDir, "24m");
      const broker = await brokers.start(dataDir);
      const client = await connect({ url: `ws://127.0.0.1:${broker.port}/ws`, reconnect: false } as never);
      await client.admin.createTopic("wsfull", { partitions: 2 });
      // Every state record of this id is bigger than a tmpfs page (test/helpers/tmpfs.ts).
      const producer = client.producer({ transactionalId: `wsfull-${retry}-${"w".repeat(6000)}` });
      await producer.beginTransaction();
      await producer.sendMany([{ topic: "wsfull", partition: 0, value: "first-0" }, { topic: "wsfull", partition: 1, value: "first-1" }]);
      const filler = tmpfs.fill(dataDir);
      const error = await producer.commitTransaction().then(() => undefined, (e: unknown) => e);
      expect(error).toMatchObject({ code: "KAFKA_STORAGE_ERROR", kafkaCode: 56, retriable: true });
      // Still open: a new transaction cannot begin over it.
      await expect(producer.beginTransaction()).rejects.toMatchObject({ code: "INVALID_TXN_STATE" });

      unlinkSync(filler);
      if (retry === "commit") await producer.commitTransaction();
      else await producer.abortTransaction();
      const conn = await Connection.open(broker.kafkaPort);
      const first = retry === "commit";
      expect(await readCommitted(conn, "wsfull", 0)).toEqual({ values: first ? ["first-0"] : [], atEnd: true });
      expect(await readCommitted(conn, "wsfull", 1)).toEqual({ values: first ? ["first-1"] : [], atEnd: true });
      // The next transaction is its own.
      await producer.beginTransaction();
      await producer.send({ topic: "wsfull", partition: 0, value: "second-0" });
      await producer.abortTransaction();
      await producer.beginTransaction();
      await producer.send({ topic: "wsfull", partition: 1, value: "third-1" });
      await producer.commitTransaction();
      expect(await readCommitted(conn, "wsfull", 0)).toEqual({ values: first ? ["first-0"] : [], atEnd: true });
      expect(await readCommitted(conn, "wsfull", 1)).toEqual({ values: first ? ["first-1", "third-1"] : ["third-1"], atEnd: true });
      conn.close();
      client.close();
      await closeBroker(broker);
    }, 60_000);
  }
});

// The WebSocket front end in cluster mode: a WS producer with acks=all on the partition leader, the leader
// killed -9 mid-stream; the test (standing in for the client-side routing that is not built yet) finds the
// new leader in etcd, reconnects there and carries on. Every acknowledged record is then read back through
// a WS consumer on the new leader (reads see only committed records, below the high watermark).

import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { connect } from "../../src/client/index.js";
import { ClusterBroker, Etcd, cleanup, partitionState, until } from "./harness.js";

let etcd: Etcd;
const brokers: ClusterBroker[] = [];

beforeAll(async () => {
  etcd = await Etcd.start();
  for (const id of [1, 2, 3]) brokers.push(await ClusterBroker.start(id, etcd, { minIsr: 2 }));
}, 60_000);

afterAll(cleanup);

const wsOf = (id: number) => `${brokers.find((b) => b.id === id)!.wsUrl}/ws`;

describe("cluster failover (WebSocket client, acks=all)", () => {
  it("keeps every acknowledged record when the leader is killed -9", async () => {
    const bootstrap = await connect({ url: wsOf(1) });
    await bootstrap.admin.createTopic("wsorders", { partitions: 1 } as never);
    bootstrap.close();
    const first = await until("ISR of 3", async () => {
      const s = await partitionState(etcd, "wsorders", 0);
      return s && s.isr.length === 3 ? s : undefined;
    });
    const acked: string[] = [];
    let client = await connect({ url: wsOf(first.leader), reconnect: false } as never);
    let producer = client.producer({ acks: "all", retries: 0, deliveryTimeoutMs: 3000 } as never);
    let killed = false;
    for (let i = 0; i < 120; i++) {
      if (i === 50) {
        killed = true;
        await brokers.find((b) => b.id === first.leader)!.kill("SIGKILL");
      }
      for (;;) {
        try {
          await producer.send({ topic: "wsorders", partition: 0, value: `w${i}` } as never);
          acked.push(`w${i}`);
          break;
        } catch {
          // Not acknowledged: find the leader again (etcd) and resend on a new connection.
          client.close();
          const s = await until("a live leader", async () => {
            const st = await partitionState(etcd, "wsorders", 0);
            return st && st.leader !== -1 && (!killed || st.leader !== first.leader) ? st : undefined;
          });
          client = await connect({ url: wsOf(s.leader), reconnect: false } as never);
          producer = client.producer({ acks: "all", retries: 0, deliveryTimeoutMs: 3000 } as never);
        }
      }
    }
    client.close();
    const now = (await partitionState(etcd, "wsorders", 0))!;
    expect(now.leader).not.toBe(first.leader);
    expect(now.leaderEpoch).toBeGreaterThan(first.leaderEpoch);
    const reader = await connect({ url: wsOf(now.leader) });
    const seen: string[] = [];
    const consumer = reader.consumer({ topic: "wsorders", from: "earliest" });
    for await (const record of consumer as AsyncIterable<{ value: Uint8Array | string | null }>) {
      const v = record.value;
      seen.push(typeof v === "string" ? v : new TextDecoder().decode(v ?? new Uint8Array()));
      if (seen.length >= acked.length) break;
    }
    reader.close();
    const set = new Set(seen);
    expect(acked.filter((v) => !set.has(v))).toEqual([]);
    expect(acked.length).toBe(120);
  }, 90_000);
});

// A partition's high watermark as its LEADER knows it, from any broker (the group coordinator's log end
// and lag in cluster mode: the coordinator may host no replica of the partition, and a follower's copy
// lags). Asked over the replication listener (an "hw" request beside fetch, epochEnd and marker): every
// broker serves it and knows every other one's replication port from etcd.
//
// Behavior:
// - leaderHighWatermark: this broker leads the partition → its own HW; another broker leads it → asks it
//   (2 s timeout); no leader, an unknown partition, a leader that does not answer or no longer leads →
//   undefined (the caller reports the log end as unknown rather than a wrong number).
// - handleHighWatermark (the leader's side): the HW, or NOT_LEADER_OR_FOLLOWER unless this broker leads the
//   partition; INVALID_REQUEST for a malformed header.

import type { EtcdSession } from "./etcd-session.js";
import { pkey } from "./layout.js";
import type { ReplicaManager } from "./replica-manager.js";
import { ReplicaClient, type ReplicaCredentials } from "./replica-transport.js";
import type { Frame } from "./wire.js";

const TIMEOUT_MS = 2000;

export class LeaderOffsets {
  private readonly clients = new Map<number, ReplicaClient>();

  constructor(private readonly session: EtcdSession, private readonly replicas: ReplicaManager, private readonly brokerId: number, private readonly credentials: ReplicaCredentials) {}

  async leaderHighWatermark(topic: string, partition: number): Promise<bigint | undefined> {
    const local = this.replicas.leaderHighWatermark(topic, partition);
    if (local !== undefined) return local;
    const leader = this.session.snapshot.partitions.get(pkey(topic, partition))?.leader ?? -1;
    const info = leader >= 0 && leader !== this.brokerId ? this.session.snapshot.brokers.get(leader) : undefined;
    if (!info) return undefined;
    let client = this.clients.get(info.id);
    if (!client || client.host !== info.host || client.port !== info.replicationPort || client.tls !== (info.replicationTls === true)) {
      client?.close();
      this.clients.set(info.id, (client = new ReplicaClient(info.host, info.replicationPort, info.id, this.credentials, info.replicationTls === true)));
    }
    try {
      const h = (await client.request({ type: "hw", topic, partition }, TIMEOUT_MS)).header;
      return typeof h.highWatermark === "bigint" ? h.highWatermark : undefined;
    } catch {
      return undefined;
    }
  }

  handleHighWatermark(h: Frame["header"]): { header: Record<string, unknown> } {
    if (typeof h.topic !== "string" || !Number.isInteger(h.partition)) return { header: { error: "INVALID_REQUEST", message: "hw needs a topic and an integer partition" } };
    const hw = this.replicas.leaderHighWatermark(h.topic, Number(h.partition));
    if (hw === undefined) return { header: { error: "NOT_LEADER_OR_FOLLOWER", message: `broker ${this.brokerId} does not lead ${h.topic}-${String(h.partition)}` } };
    return { header: { highWatermark: hw } };
  }

  close(): void {
    for (const c of this.clients.values()) c.close();
    this.clients.clear();
  }
}

// Starts cluster mode on a running broker: etcd session (registration, election, metadata watch), the
// controller, the replication listener and the replica manager, and plugs them into the broker core's
// hooks (ReplicationHooks for produce/fetch, ClusterView for the front ends).

import { KafkaProtocolError } from "../errors/index.js";
import type { Broker } from "../broker/broker.js";
import type { ClusterView, ReplicationHooks } from "../broker/replication-hooks.js";
import type { Logger } from "../log.js";
import type { GroupCoordinator } from "../groups/coordinator.js";
import { OFFSETS_TOPIC } from "../groups/broker-offset-log.js";
import { MAX_PARTITIONS } from "../broker/topic-admin.js";
import { isInternalTopic } from "../broker/topic-name.js";
import { adoptLocalTopics, checkLocalTopics, isFirstJoin } from "./adopt.js";
import { checkBrokerId, parseEtcdEndpoints, type ClusterConfig } from "./config.js";
import { Controller } from "./controller.js";
import { EtcdSession } from "./etcd-session.js";
import { pkey, type ClusterSnapshot } from "./layout.js";
import { readSnapshot } from "./read-snapshot.js";
import { placeableBrokers } from "./reassign.js";
import { ongoingReassignments, validateReassignment } from "./partition-reassignment.js";
import { ReplicaManager } from "./replica-manager.js";
import { ReplicaServer, type ReplicaCredentials } from "./replica-transport.js";
import { loadClusterSecret } from "./cluster-secret.js";
import { loadTlsFiles, type TlsFiles } from "../security/tls-files.js";
import { MarkerRouter } from "./txn-markers.js";
import { LeaderOffsets } from "./leader-offsets.js";
import { readDynamicConfigs, updateDynamicConfigs } from "./dynamic-configs.js";

export interface ClusterNode {
  readonly brokerId: number;
  readonly session: EtcdSession;
  readonly replicas: ReplicaManager;
  readonly replicationPort: number;
  /** Transaction markers to partition leaders (txn-markers.ts). */
  readonly markers: MarkerRouter;
  /** Re-reads the TLS files for the replication listener's new connections (SIGHUP). */
  reloadTls(): void;
  close(): Promise<void>;
}

/** Until the node has joined, this broker leads nothing (installed before the listeners open). */
export const notJoinedYet: ReplicationHooks = {
  checkLeader(topic, partition) {
    throw new KafkaProtocolError("NOT_LEADER_OR_FOLLOWER", `${topic}-${partition}: this broker has not joined the cluster yet`);
  },
  appended: () => Promise.reject(new KafkaProtocolError("NOT_LEADER_OR_FOLLOWER", "not joined")),
  highWatermark: () => 0n,
  logStartMoved: () => Promise.reject(new KafkaProtocolError("NOT_LEADER_OR_FOLLOWER", "not joined")),
};

export async function startClusterNode(
  broker: Broker,
  config: ClusterConfig,
  listeners: { host: string; kafkaPort: number; wsPort: number; wsScheme?: string; replicationTls?: TlsFiles },
  logger: Logger,
  coordinator?: GroupCoordinator,
): Promise<ClusterNode> {
  const brokerId = checkBrokerId(config.brokerId);
  // Before anything writes under <data-dir>/__cluster (the replica manager's epoch caches).
  const firstJoin = isFirstJoin(broker.config.dataDir);
  const session = new EtcdSession({
    endpoints: parseEtcdEndpoints(config.etcd),
    prefix: config.prefix ?? "/rivulet",
    leaseTtlSeconds: config.leaseTtlSeconds ?? 10,
    logger,
  });
  // Created by the first broker to join, read by every other (cluster-secret.ts); the replication
  // listener serves and the fetchers fetch only after proving it (replica-auth.ts).
  let credentials: ReplicaCredentials;
  try {
    credentials = { secret: await loadClusterSecret(session.client, session.keys), brokerId };
  } catch (error) {
    await session.close();
    throw error;
  }
  const replicas = new ReplicaManager(broker, session, {
    brokerId,
    replicaLagTimeMaxMs: config.replicaLagTimeMaxMs ?? 30_000,
    minInsyncReplicas: config.minInsyncReplicas ?? 1,
    logger,
    credentials,
  });
  const controller = new Controller(session, { defaultReplicationFactor: config.defaultReplicationFactor ?? 3, leaderRebalanceIntervalMs: config.leaderRebalanceIntervalMs, logger });
  const host = config.advertisedHost ?? listeners.host;
  const markers = new MarkerRouter(broker, session, replicas, brokerId, credentials);
  const offsets = new LeaderOffsets(session, replicas, brokerId, credentials);
  const server = await ReplicaServer.start(
    listeners.host,
    config.replicationPort ?? 0,
    async (h, peer) => {
      // A peer speaks only as itself: a fetch in another broker's name would move what the leader
      // believes of that broker (its ISR standing, the acks=all wait).
      if (h.type === "fetch" && h.brokerId !== peer.brokerId) return { header: { error: "INVALID_REQUEST", message: `authenticated as broker ${peer.brokerId}, fetching as ${String(h.brokerId)}` } };
      if (h.type === "fetch") return replicas.handleFetch(h);
      if (h.type === "epochEnd") return replicas.handleEpochEnd(h);
      if (h.type === "hw") return offsets.handleHighWatermark(h);
      if (h.type === "marker" || h.type === "txnOffsets" || h.type === "groupOffsets" || h.type === "produceTxn") return markers.handle(h);
      return { header: { error: "INVALID_REQUEST" } };
    },
    logger,
    credentials,
    { tls: config.replicationPlaintext ? undefined : replicationTls(listeners.replicationTls) },
  );
  broker.replication = replicas;
  broker.replicationStats = () => replicas.stats();
  broker.cluster = {
    ...clusterView(broker, session, brokerId),
    epochEnd: (topic, partition, epoch) => replicas.epochEnd(topic, partition, epoch),
    leaderHighWatermark: (topic, partition) => offsets.leaderHighWatermark(topic, partition),
    replicationThrottle: () => replicas.throttle.stats(),
  };
  if (coordinator) followOffsetsLeadership(coordinator, replicas, logger);
  try {
    if (firstJoin) await checkLocalTopics(broker, session);
    await session.start({ id: brokerId, host, kafkaPort: listeners.kafkaPort, wsPort: listeners.wsPort, wsScheme: listeners.wsScheme, replicationPort: server.port, ...(server.tls ? { replicationTls: true } : {}), ...(config.advertisedWsUrl ? { wsUrl: config.advertisedWsUrl } : {}) });
    if (firstJoin) await adoptLocalTopics(broker, session, brokerId, logger);
    // Internal topics the broker made on its own before joining (the groups layer's __consumer_offsets)
    // are asked of the controller too, so they replicate like any other topic.
    for (const topic of broker.listTopics()) {
      if (topic.name.startsWith("__") && !session.snapshot.topics.has(topic.name)) {
        await session.request(session.keys.createRequest(topic.name), { partitions: topic.partitions, configs: topic.configs ?? {} });
      }
    }
  } catch (error) {
    controller.close();
    replicas.close();
    markers.close();
    offsets.close();
    await server.close();
    await session.close();
    throw error;
  }
  logger.info("cluster node started", { brokerId, replicationPort: server.port, replicationTls: server.tls });
  return {
    brokerId,
    session,
    replicas,
    replicationPort: server.port,
    markers,
    reloadTls() {
      const tls = replicationTls(listeners.replicationTls);
      if (tls) server.reloadTls(tls);
    },
    async close() {
      controller.close();
      replicas.close();
      markers.close();
      offsets.close();
      await server.close();
      await session.close();
    },
  };
}

/**
 * The group coordinator moves with the leadership of `__consumer_offsets` partitions (Kafka's
 * onElection/onResignation): leader → load the partition's groups once the high watermark covers the log
 * end this broker had when elected (so every commit acknowledged under the old leader is read); anything
 * else → unload. The start-up replay is dropped: until this broker leads a partition it owns no group.
 */
function followOffsetsLeadership(coordinator: GroupCoordinator, replicas: ReplicaManager, logger: Logger): void {
  coordinator.partitioned();
  replicas.onRoleChange = (topic, partition, role) => {
    if (topic !== OFFSETS_TOPIC) return;
    if (role !== "leader") {
      coordinator.unloadPartition(partition);
      return;
    }
    if (coordinator.ownedPartitions()?.includes(partition)) return; // same leader, new epoch: still loaded
    const lp = replicas.parts.get(pkey(topic, partition));
    const target = lp?.leo ?? 0n;
    const ready = async () => {
      const deadline = Date.now() + 10_000;
      while (lp && lp.role === "leader" && lp.hw < target && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
      if (lp && lp.hw < target) logger.warn("loading an offsets partition before its high watermark reached the log end", { partition, hw: lp.hw, logEndOffset: target });
    };
    void coordinator.loadPartition(partition, ready);
  };
}

/** The broker's certificate and key for the replication listener, when it has them. */
function replicationTls(files: TlsFiles | undefined): { cert: Buffer; key: Buffer; passphrase?: string } | undefined {
  if (!files) return undefined;
  const { cert, key, passphrase } = loadTlsFiles(files);
  return { cert, key, ...(passphrase !== undefined ? { passphrase } : {}) };
}

function clusterView(broker: Broker, session: EtcdSession, brokerId: number): ClusterView {
  const snap = (): ClusterSnapshot => session.snapshot;
  return {
    brokerId,
    brokers: () => [...snap().brokers.values()].sort((a, b) => a.id - b.id),
    controllerId: () => snap().controller?.brokerId ?? -1,
    partitionCount: (topic) => snap().topics.get(topic)?.partitions,
    partition(topic, partition) {
      const t = snap().topics.get(topic);
      const state = snap().partitions.get(pkey(topic, partition));
      if (!t || !state) return undefined;
      return { leader: state.leader, leaderEpoch: state.leaderEpoch, replicas: t.replicas[partition] ?? [], isr: state.isr };
    },
    async createTopic(name, options) {
      if (snap().topics.has(name)) throw new KafkaProtocolError("TOPIC_ALREADY_EXISTS", `topic ${name} already exists`);
      await session.request(session.keys.createRequest(name), { partitions: options.partitions ?? 1, replicationFactor: options.replicationFactor, configs: options.configs ?? {} });
      await waitFor(() => broker.topic(name) !== undefined && everyLeaderKnown(snap(), name), 15_000, `topic ${name} was not created in time (is a controller running?)`);
    },
    async deleteTopic(name) {
      if (!snap().topics.has(name)) throw new KafkaProtocolError("UNKNOWN_TOPIC_OR_PARTITION", `topic ${name} does not exist`);
      await session.request(session.keys.deleteRequest(name), {});
      await waitFor(() => broker.topic(name) === undefined, 15_000, `topic ${name} was not deleted in time`);
    },
    async addPartitions(name, total) {
      // The same checks as one node's (topic-admin.ts), against the cluster's metadata.
      const topic = snap().topics.get(name);
      if (!topic) throw new KafkaProtocolError("UNKNOWN_TOPIC_OR_PARTITION", `topic ${name} does not exist`);
      if (isInternalTopic(name)) throw new KafkaProtocolError("INVALID_REQUEST", `topic ${name} is internal: its partition count cannot change`);
      if (!Number.isInteger(total) || total <= topic.partitions || total > MAX_PARTITIONS) {
        throw new KafkaProtocolError("INVALID_PARTITIONS", `topic ${name} has ${topic.partitions} partitions; the new count must be larger (and <= ${MAX_PARTITIONS}), got ${total}`);
      }
      // Kafka refuses rather than placing fewer replicas than the topic's replication factor.
      const placeable = placeableBrokers(snap()).length;
      if (placeable < topic.replicationFactor) {
        throw new KafkaProtocolError("INVALID_REPLICATION_FACTOR", `topic ${name} has replication factor ${topic.replicationFactor} but only ${placeable} live, non-draining broker(s) can take new replicas`);
      }
      await session.request(session.keys.partitionsRequest(name), { total });
      await waitFor(() => (broker.topic(name)?.partitions ?? 0) >= total && everyLeaderKnown(snap(), name), 15_000, `partitions of ${name} were not added in time (is a controller running?)`);
    },
    async reassign(topic, partition, replicas, allowRfChange) {
      const checked = validateReassignment(snap(), topic, partition, replicas, allowRfChange);
      if ("error" in checked) throw new KafkaProtocolError(checked.error, checked.message);
      if (checked.request) await session.request(session.keys.reassignRequest(topic, partition), checked.request);
    },
    // Straight from etcd: a move accepted by another broker (or by this one a moment ago) is listed even
    // before this broker's watch has delivered it.
    reassignments: async (only) => ongoingReassignments(await readSnapshot(session.client, session.keys), only),
    dynamicConfigs: (kind, name) => readDynamicConfigs(session, kind, name),
    async updateDynamicConfigs(kind, name, names, change) {
      const written = await updateDynamicConfigs(session, kind, name, names, change);
      // This broker's own view follows at once (a DescribeConfigs right after reads etcd anyway).
      if (written) session.queueReload();
      return written;
    },
  };
}

function everyLeaderKnown(snap: ClusterSnapshot, name: string): boolean {
  const t = snap.topics.get(name);
  if (!t) return false;
  for (let p = 0; p < t.partitions; p++) if (!snap.partitions.has(pkey(name, p))) return false;
  return true;
}

async function waitFor(test: () => boolean, timeoutMs: number, message: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!test()) {
    if (Date.now() > deadline) throw new KafkaProtocolError("REQUEST_TIMED_OUT", message);
    await new Promise((r) => setTimeout(r, 25));
  }
}

// The WebSocket client in cluster mode (docs/cluster.md): one connection per broker, learned from the
// METADATA answer's broker list, and produce routed per partition to its leader.
//
//   const cluster = await connectCluster({ urls: ["ws://h1:8081/ws", "ws://h2:8082/ws"] });
//   const producer = cluster.producer({ acks: "all" });
//   await producer.send({ topic: "orders", partition: 0, value: "..." });
//
// Behavior:
// - Bootstrap: each URL in turn until one answers; its METADATA lists every live broker's URL.
// - send: to the partition's leader (a record without a partition: by its key's hash as the single-broker
//   producer, else round-robin over the partitions). On NOT_LEADER_OR_FOLLOWER, LEADER_NOT_AVAILABLE,
//   FENCED/UNKNOWN_LEADER_EPOCH, NOT_ENOUGH_REPLICAS, a lost connection or a request timeout: refresh the
//   metadata (from any broker that answers) and send again to the leader it names, until
//   `deliveryTimeoutMs`. Other errors are the caller's. With acks "all" the producer is idempotent by
//   default (producer/cross-broker.ts: one producer id and per-partition sequences for the whole cluster,
//   so a retry on a new leader is never stored twice); with `idempotent: false` or acks 0/1 a retried
//   record may be stored twice if the old leader stored it but its answer was lost.
// - consumer({topic, partition}): a non-group subscription to one partition on its leader; when the
//   leader goes away (connection lost, NOT_LEADER_OR_FOLLOWER, ...) it refreshes the metadata and
//   subscribes on the new leader from the next offset after the last record handed out: no gap, no
//   duplicate.
// - consumer({topic, partitions?, from}): several partitions (default all), each read that way, merged
//   into one stream (cluster-merge.ts).
// - consumer({group, topic}): a group member joined at the group's coordinator, reading each assigned
//   partition from its leader (cluster-group.ts).
// - producer({ transactionalId }): transactions at the id's coordinator, batches at the leaders, both
//   followed across moves (cluster-transactional.ts).
// - send() past `maxInFlightRecords` unanswered sends: `congested` is true, drained() waits for room.
// - admin: topic calls on any live broker, group calls at the group's coordinator, retried on another
//   broker when one goes away (cluster-admin.ts).

import { RivuletError } from "../errors/index.js";
import type { ClusterMetadata } from "./admin.js";
import type { ConnectionOptions } from "./connection.js";
import { ConnectionError } from "./errors.js";
import { connect, type RivuletClient } from "./index.js";
import { partitionForKey } from "../core/index.js";
import type { Producer, ProducerOptions, ProducerRecord, RecordMetadata } from "./producer.js";
import type { Consumer } from "./consumer.js";
import { CrossBrokerProducer } from "./producer/cross-broker.js";
import { fixReadKind, type ConsumedRecord, type ConsumerOptions, type ReadKind } from "./consumer-types.js";
import type { ConsumedRows } from "./chunk-rows.js";
import { ClusterGroupConsumer, offsetsPartitionFor, type ClusterGroupConsumerOptions } from "./cluster-group.js";
import { ClusterAdmin } from "./cluster-admin.js";
import { ClusterPartitionsConsumer } from "./cluster-merge.js";
import type { ClusterConsumerOptions, ClusterHandle } from "./cluster-types.js";
import { clusterTransactionalProducer, type ClusterTransactionalOptions } from "./cluster-transactional.js";
import type { TransactionalProducer } from "./transactional-producer.js";

export type { ClusterConsumerOptions, ClusterHandle } from "./cluster-types.js";

export interface ClusterOptions extends Omit<ConnectionOptions, "url"> {
  /** Bootstrap URLs (any brokers of the cluster). */
  urls: string[];
}

const REROUTE = new Set(["NOT_LEADER_OR_FOLLOWER", "LEADER_NOT_AVAILABLE", "FENCED_LEADER_EPOCH", "UNKNOWN_LEADER_EPOCH", "NOT_ENOUGH_REPLICAS", "NOT_ENOUGH_REPLICAS_AFTER_APPEND", "NETWORK_EXCEPTION", "REQUEST_TIMED_OUT"]);

/** Whether a failed send should go to the (possibly new) leader again. */
export function shouldReroute(error: unknown): boolean {
  if (error instanceof ConnectionError) return true;
  return error instanceof RivuletError && REROUTE.has(error.code);
}

export class RivuletCluster implements ClusterHandle {
  private readonly clients = new Map<string, Promise<RivuletClient>>();
  private meta: ClusterMetadata = { brokers: [], topics: [] };
  private closed = false;
  /** Topic and group administration across the cluster (see Behavior). */
  readonly admin: ClusterAdmin = new ClusterAdmin(this);

  private constructor(private readonly options: ClusterOptions) {}

  static async connect(options: ClusterOptions): Promise<RivuletCluster> {
    if (!options.urls.length) throw new RivuletError("INVALID_REQUEST", "connectCluster: no bootstrap URL");
    const cluster = new RivuletCluster(options);
    await cluster.refresh([]);
    return cluster;
  }

  /** Brokers and leaders as last learned. */
  get metadata(): ClusterMetadata {
    return this.meta;
  }

  /**
   * Re-reads the metadata from the first broker (known or bootstrap) that answers. Named topics replace
   * their own entries only (the others are kept); no names: every topic.
   */
  async refresh(topics: string[]): Promise<ClusterMetadata> {
    const urls = [...new Set([...this.meta.brokers.map((b) => b.url), ...this.options.urls])];
    let last: unknown;
    for (const url of urls) {
      try {
        const client = await this.client(url);
        const fresh = await client.admin.clusterMetadata(topics);
        const named = new Set(topics);
        // A named topic missing from the answer (deleted, or an error) is forgotten too.
        const kept = topics.length ? this.meta.topics.filter((t) => !named.has(t.name)) : [];
        this.meta = { brokers: fresh.brokers, topics: [...kept, ...fresh.topics] };
        return this.meta;
      } catch (error) {
        last = error;
        this.drop(url);
      }
    }
    throw last instanceof Error ? last : new ConnectionError("no broker of the cluster answered");
  }

  /** The connection to the partition's leader, after refreshing the metadata when the leader is unknown. */
  async leaderFor(topic: string, partition: number): Promise<RivuletClient> {
    let url = this.leaderUrl(topic, partition);
    if (!url) {
      await this.refresh([topic]);
      url = this.leaderUrl(topic, partition);
    }
    if (!url) throw new RivuletError("LEADER_NOT_AVAILABLE", `${topic}-${partition} has no leader right now`, { retriable: true });
    return this.client(url);
  }

  /** The connection to the group's coordinator: the leader of its `__consumer_offsets` partition. */
  async coordinatorFor(group: string): Promise<RivuletClient> {
    await this.refresh(["__consumer_offsets"]);
    const count = this.partitionCount("__consumer_offsets");
    if (!count) throw new RivuletError("COORDINATOR_NOT_AVAILABLE", "the cluster has no __consumer_offsets topic yet", { retriable: true });
    const url = this.leaderUrl("__consumer_offsets", offsetsPartitionFor(group, count));
    if (!url) throw new RivuletError("COORDINATOR_NOT_AVAILABLE", `group ${group}'s offsets partition has no leader right now`, { retriable: true });
    return this.client(url);
  }

  /** Connections to every live broker that answers (for calls each broker answers for itself). */
  async everyBroker(): Promise<RivuletClient[]> {
    await this.refresh([]).catch(() => undefined);
    const all = await Promise.all(this.meta.brokers.map((b) => this.client(b.url).catch(() => undefined)));
    return all.filter((c): c is RivuletClient => c !== undefined);
  }

  /** One partition from its leader (what consumer({ partition }) returns). */
  partitionReader(options: ClusterConsumerOptions): ClusterConsumer {
    return new ClusterConsumer(this, options);
  }

  partitionCount(topic: string): number | undefined {
    return this.meta.topics.find((t) => t.name === topic)?.partitions.length;
  }

  /**
   * With `transactionalId`: a transactional producer whose transaction frames go to the id's coordinator
   * and batches to the partitions' leaders, following both (cluster-transactional.ts).
   */
  producer(options: ClusterTransactionalOptions): TransactionalProducer;
  producer(options?: ProducerOptions & { maxInFlightRecords?: number }): ClusterProducer | CrossBrokerProducer;
  producer(given: (ProducerOptions & { maxInFlightRecords?: number }) | ClusterTransactionalOptions = {}): ClusterProducer | CrossBrokerProducer | TransactionalProducer {
    if ("transactionalId" in given && given.transactionalId !== undefined) return clusterTransactionalProducer(this, given);
    const options = given as ProducerOptions & { maxInFlightRecords?: number };
    // Idempotent by default with acks=all (Kafka's enable.idempotence): a retry on a new leader is never stored twice.
    if (options.idempotent !== false && (options.acks === undefined || options.acks === "all" || options.acks === -1)) return new CrossBrokerProducer(this, shouldReroute, options);
    return new ClusterProducer(this, options);
  }

  /**
   * With `group`: a group member (cluster-group.ts). With `partition`: a non-group consumer of that one
   * partition following its leader. Otherwise: the topic's `partitions` (default all), each from its leader,
   * merged (cluster-merge.ts).
   */
  consumer(options: ClusterGroupConsumerOptions): ClusterGroupConsumer;
  consumer(options: ClusterConsumerOptions): ClusterConsumer;
  consumer(options: ClusterPartitionsOptions): ClusterPartitionsConsumer;
  consumer(options: ClusterConsumerOptions | ClusterGroupConsumerOptions | ClusterPartitionsOptions): ClusterConsumer | ClusterGroupConsumer | ClusterPartitionsConsumer {
    if ("group" in options && options.group !== undefined) return new ClusterGroupConsumer(this, options);
    if ("partition" in options && typeof options.partition === "number") return new ClusterConsumer(this, options);
    return new ClusterPartitionsConsumer(this, options as ClusterPartitionsOptions);
  }

  close(): void {
    this.closed = true;
    for (const url of [...this.clients.keys()]) this.drop(url);
  }

  /** Forgets a broker's connection (closed or failed), so the next use reconnects. */
  drop(url: string): void {
    const c = this.clients.get(url);
    this.clients.delete(url);
    void c?.then((client) => client.close(), () => undefined);
  }

  client(url: string): Promise<RivuletClient> {
    if (this.closed) return Promise.reject(new ConnectionError("the cluster client is closed"));
    let c = this.clients.get(url);
    if (!c) {
      // No reconnect loop per broker: a broker that went away is left for the metadata to replace.
      c = connect({ ...this.options, url, reconnect: false } as ConnectionOptions);
      this.clients.set(url, c);
      c.then((client) => client.on("closed", () => this.clients.get(url) === c && this.clients.delete(url)), () => this.clients.get(url) === c && this.clients.delete(url));
    }
    return c;
  }

  leaderUrl(topic: string, partition: number): string | undefined {
    const leader = this.meta.topics.find((t) => t.name === topic)?.partitions.find((p) => p.partition === partition)?.leader;
    return leader === undefined || leader < 0 ? undefined : this.meta.brokers.find((b) => b.id === leader)?.url;
  }
}

export class ClusterProducer {
  private readonly producers = new Map<RivuletClient, Producer>();
  private next = 0;
  private readonly deliveryTimeoutMs: number;
  /** Sends not answered yet, and who waits for their number to drop (drained()). */
  private inFlight = 0;
  private readonly maxInFlight: number;
  private roomWaiters: (() => void)[] = [];

  constructor(private readonly cluster: RivuletCluster, private readonly options: ProducerOptions & { maxInFlightRecords?: number }) {
    this.deliveryTimeoutMs = options.deliveryTimeoutMs ?? 120_000;
    this.maxInFlight = options.maxInFlightRecords ?? 10_000;
  }

  /** More than `maxInFlightRecords` sends (default 10,000) wait for answers: wait on drained() before more. */
  get congested(): boolean {
    return this.inFlight >= this.maxInFlight;
  }

  drained(): Promise<void> {
    if (!this.congested) return Promise.resolve();
    return new Promise((resolve) => this.roomWaiters.push(resolve));
  }

  /**
   * Sends to the partition's leader, following leadership changes until the delivery timeout. The
   * partition: the record's own, else by key (the same hash as the single-broker producer), else round-robin.
   */
  async send(record: ProducerRecord): Promise<RecordMetadata> {
    this.inFlight++;
    try {
      return await this.sendOnce(record);
    } finally {
      this.inFlight--;
      if (!this.congested && this.roomWaiters.length) for (const w of this.roomWaiters.splice(0)) w();
    }
  }

  private async sendOnce(record: ProducerRecord): Promise<RecordMetadata> {
    const deadline = Date.now() + this.deliveryTimeoutMs;
    let partition = record.partition;
    for (let attempt = 0; ; attempt++) {
      try {
        if (partition === undefined) {
          const count = this.cluster.partitionCount(record.topic) ?? (await this.cluster.refresh([record.topic]), this.cluster.partitionCount(record.topic));
          if (!count) throw new RivuletError("UNKNOWN_TOPIC_OR_PARTITION", `topic ${record.topic} is not in the cluster metadata`);
          partition = record.key != null ? partitionForKey(record.key, count) : this.next++ % count;
        }
        const client = await this.cluster.leaderFor(record.topic, partition);
        return await this.producerOn(client).send({ ...record, partition });
      } catch (error) {
        if (!shouldReroute(error) || Date.now() >= deadline) throw error;
        const delayMs = Math.min(50 * 2 ** Math.min(attempt, 5), 1000);
        this.options.onRetry?.({ topic: record.topic, partition: partition ?? -1, error: error as Error, records: 1, delayMs });
        await new Promise((r) => setTimeout(r, delayMs));
        await this.cluster.refresh([record.topic]).catch(() => undefined);
      }
    }
  }

  /** Sends what the per-leader producers are batching now. */
  async flush(): Promise<void> {
    await Promise.all([...this.producers.values()].map((p) => p.flush().catch(() => undefined)));
  }

  async close(): Promise<void> {
    await Promise.all([...this.producers.values()].map((p) => p.close().catch(() => undefined)));
    this.producers.clear();
  }

  private producerOn(client: RivuletClient): Producer {
    let p = this.producers.get(client);
    if (!p) {
      // One attempt per leader: rerouting is this class's job, not the per-connection producer's.
      const { onRetry: _onRetry, ...options } = this.options;
      p = client.producer({ ...options, retries: 0, deliveryTimeoutMs: Math.min(this.deliveryTimeoutMs, 10_000) });
      this.producers.set(client, p);
    }
    return p;
  }
}

export type ClusterPartitionsOptions = ConstructorParameters<typeof ClusterPartitionsConsumer>[1];


export class ClusterConsumer {
  private current: Consumer | undefined;
  private nextOffset: bigint | undefined;
  private closed = false;
  /** Records (next()) or row views (rows()): fixed by the first read, as on a Consumer. */
  private reading: ReadKind | undefined;

  constructor(private readonly cluster: RivuletCluster, private readonly options: ClusterConsumerOptions) {
    this.nextOffset = options.position;
  }

  /** The next offset to read (after the last record handed out), once known. */
  get position(): bigint | undefined {
    return this.nextOffset;
  }

  async next(): Promise<ConsumedRecord> {
    this.readAs("records");
    for (let attempt = 0; ; attempt++) {
      try {
        const record = await (await this.leaderConsumer()).next();
        this.nextOffset = record.offset + 1n;
        return record;
      } catch (error) {
        await this.reroute(error, attempt);
      }
    }
  }

  /**
   * The partition as row views, one batch per step (Consumer.rows()), following its leader across
   * failovers from after the last step handed out. A step's view is valid until the next step.
   */
  async *rows(): AsyncGenerator<ConsumedRows, void, undefined> {
    this.readAs("rows");
    for (let attempt = 0; ; attempt++) {
      try {
        for await (const rows of (await this.leaderConsumer()).rows()) {
          this.nextOffset = rows.offset(rows.count - 1) + 1n;
          attempt = 0;
          yield rows;
        }
        return; // closed
      } catch (error) {
        await this.reroute(error, attempt);
      }
    }
  }

  private readAs(reading: ReadKind): void {
    this.reading = fixReadKind(this.reading, reading);
  }

  /** The consumer on the partition's current leader, from the position (made on first use and after a reroute). */
  private async leaderConsumer(): Promise<Consumer> {
    if (this.current) return this.current;
    const { partition, position: _position, ...rest } = this.options;
    const client = await this.cluster.leaderFor(rest.topic, partition);
    const positions = this.nextOffset === undefined ? undefined : { [partition]: this.nextOffset };
    this.current = client.consumer({ ...rest, partitions: [partition], ...(positions ? { positions } : {}) });
    return this.current;
  }

  /** A leadership change or a lost broker: drop the consumer, back off, refresh, and let the caller retry. */
  private async reroute(error: unknown, attempt: number): Promise<void> {
    if (this.closed || !shouldReroute(error)) throw error;
    const old = this.current;
    this.current = undefined;
    await old?.close().catch(() => undefined);
    await new Promise((r) => setTimeout(r, Math.min(50 * 2 ** Math.min(attempt, 5), 1000)));
    await this.cluster.refresh([this.options.topic]).catch(() => undefined);
  }

  async close(): Promise<void> {
    this.closed = true;
    await this.current?.close().catch(() => undefined);
    this.current = undefined;
  }
}

/** Connects to a cluster through any of `urls` (see RivuletCluster). */
export function connectCluster(options: ClusterOptions): Promise<RivuletCluster> {
  return RivuletCluster.connect(options);
}

export { ClusterGroupConsumer, type ClusterGroupConsumerOptions } from "./cluster-group.js";
export { ClusterPartitionsConsumer } from "./cluster-merge.js";
export { ClusterAdmin } from "./cluster-admin.js";

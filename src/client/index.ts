// rivulet/client: one client for browsers and Node 20, over one WebSocket.
//
//   const client = await connect({ url: "ws://127.0.0.1:8080/ws" });
//   await client.producer().send({ topic: "orders", key: "o-1", value: "{...}" });
//   for await (const record of client.consumer({ topic: "orders", from: "earliest" })) { ... }

import { Admin } from "./admin.js";
import { Connection, type ConnectionEvents, type ConnectionOptions } from "./connection.js";
import { Consumer, type ConsumerOptions } from "./consumer.js";
import { Producer, type ProducerOptions } from "./producer.js";
import { GroupConsumer, type GroupConsumerOptions } from "./group-consumer.js";
import { TransactionalProducer, type TransactionalProducerOptions } from "./transactional-producer.js";

export class RivuletClient {
  readonly admin: Admin;

  constructor(readonly connection: Connection) {
    this.admin = new Admin(connection);
  }

  /** A producer; with `transactionalId`, a transactional one (beginTransaction/commitTransaction, issue 16). */
  producer(options: TransactionalProducerOptions): TransactionalProducer;
  producer(options?: ProducerOptions): Producer;
  producer(options?: ProducerOptions | TransactionalProducerOptions): Producer | TransactionalProducer {
    if (options && "transactionalId" in options && options.transactionalId !== undefined) return new TransactionalProducer(this.connection, this.admin, options);
    return new Producer(this.connection, this.admin, options as ProducerOptions | undefined);
  }

  /** A consumer of chosen partitions, or (with `group`) a member of a consumer group. */
  consumer(options: GroupConsumerOptions): GroupConsumer;
  consumer(options: ConsumerOptions): Consumer;
  consumer(options: ConsumerOptions | GroupConsumerOptions): Consumer {
    if ("group" in options && options.group !== undefined) return new GroupConsumer(this.connection, this.admin, options as GroupConsumerOptions);
    return new Consumer(this.connection, this.admin, options as ConsumerOptions);
  }

  /**
   * Listens to the connection's status: "disconnected", "reconnecting" (before each attempt), "reconnected",
   * "closed" (gave up, or close()). Returns the function that stops listening.
   */
  on<E extends keyof ConnectionEvents>(event: E, listener: (event: ConnectionEvents[E]) => void): () => void {
    return this.connection.on(event, listener);
  }

  close(): void {
    this.connection.close();
  }
}

/** Connects (waiting for the server's WELCOME) and returns a client. */
export async function connect(options: ConnectionOptions = {}): Promise<RivuletClient> {
  const connection = new Connection(options);
  await connection.connect();
  return new RivuletClient(connection);
}

export { Admin, type TopicMetadata, type TopicInfo, type OffsetQuery, type ClusterMetadata } from "./admin.js";
export { Connection, type ConnectionOptions, type ConnectionEvents, type ReconnectPolicy, type RequestOptions, type StreamHandler } from "./connection.js";
export { Consumer, type ConsumerOptions, type ConsumedRecord, type StartFrom } from "./consumer.js";
export type { ConsumedRows } from "./chunk-rows.js";
export { Producer, type ProducerOptions, type ProducerRecord, type RecordMetadata, type RetryEvent, DeliveryTimeoutError, RequestTimeoutError, ProducerClosedError } from "./producer.js";
export { GroupConsumer, type GroupConsumerOptions } from "./group-consumer.js";
export { TransactionalProducer, type TransactionalProducerOptions, type TransactionalRecordMetadata, type TransactionOffsets } from "./transactional-producer.js";
export { ConnectionError, CorruptBatchError, GapError, TimeoutError } from "./errors.js";
export type { WebSocketConstructor, WebSocketLike } from "./transport.js";
export type { AuthOptions } from "./auth.js";
export * from "../errors/index.js";

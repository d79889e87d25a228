// @platformatic/kafka 2.x (Node >= 22.22) against a Rivulet broker: the one Kafka 4.1 version it speaks that
// Rivulet added here, ListTransactions v2 (KIP-1152's transactional id pattern), through its raw API on a
// Connection, next to a produce and consume round trip through its Producer and Consumer. Run by
// test/kafka/platformatic2.test.ts as `node platformatic2_client.mjs <package dir> <host:port> <topic>`;
// prints one JSON line with what it saw.

import { pathToFileURL } from "node:url";
import { join } from "node:path";

const [packageDir, bootstrap, topic] = process.argv.slice(2);
const kafka = await import(pathToFileURL(join(packageDir, "node_modules/@platformatic/kafka/dist/index.js")).href);
const { Connection, Producer, Consumer, stringSerializers, stringDeserializers, initProducerIdV5, listTransactionsV2, listTransactionsV1 } = kafka;
const [host, port] = bootstrap.split(":");

const out = {};
const connection = new Connection("plat2-raw");
await connection.connect(host, Number(port));
try {
  for (const id of ["plat2-orders-1", "plat2-orders-2", "plat2-audit-1"]) {
    const r = await initProducerIdV5.api.async(connection, id, 60_000, -1n, -1);
    if (r.errorCode !== 0) throw new Error(`InitProducerId ${id}: ${r.errorCode}`);
  }
  const ids = (r) => r.transactionStates.map((t) => t.transactionalId).filter((t) => t.startsWith("plat2-")).sort();
  out.pattern = ids(await listTransactionsV2.api.async(connection, [], [], -1n, "plat2-orders-.*"));
  out.nullPattern = ids(await listTransactionsV2.api.async(connection, [], [], -1n, null));
  out.v1 = ids(await listTransactionsV1.api.async(connection, [], [], -1n));
  try {
    await listTransactionsV2.api.async(connection, [], [], -1n, "(plat2");
    out.invalid = "no error";
  } catch (error) {
    // 2.12.1's error table ends at 127 (VOTER_NOT_FOUND): for 128 it fails building its ResponseError.
    out.invalid = error?.response?.errorCode ?? `client error: ${error?.message ?? error}`;
  }
} finally {
  await connection.close();
}

const producer = new Producer({ clientId: "plat2-producer", bootstrapBrokers: [bootstrap], serializers: stringSerializers });
const consumer = new Consumer({ groupId: "plat2-group", clientId: "plat2-consumer", bootstrapBrokers: [bootstrap], deserializers: stringDeserializers, maxWaitTime: 200 });
try {
  const messages = Array.from({ length: 10 }, (_, i) => ({ topic, key: `k${i % 3}`, value: `v${i}` }));
  await producer.send({ messages });
  const stream = await consumer.consume({ autocommit: false, topics: [topic], mode: "earliest", sessionTimeout: 10_000, heartbeatInterval: 500 });
  const got = [];
  for await (const m of stream) {
    got.push(m.value);
    if (got.length === messages.length) break;
  }
  await stream.close();
  out.consumed = got.sort();
} finally {
  await Promise.resolve(consumer.close(true)).catch(() => {});
  await producer.close().catch(() => {});
}
console.log(JSON.stringify(out));

import { afterAll, it } from "vitest";
import { Kafka, logLevel } from "kafkajs";
import { ClusterBroker, Etcd, cleanup, partitionState, until, etcdGet } from "./harness.js";
afterAll(cleanup);
it("smoke", async () => {
  const etcd = await Etcd.start();
  const brokers: ClusterBroker[] = [];
  for (const id of [1, 2, 3]) brokers.push(await ClusterBroker.start(id, etcd, { minIsr: 2 }));
  try {
    const kafka = new Kafka({ clientId: "t", brokers: brokers.map((b) => b.bootstrap), logLevel: logLevel.NOTHING, retry: { retries: 5 } });
    const admin = kafka.admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic: "orders", numPartitions: 1, replicationFactor: 3 }] });
    console.log("created", await partitionState(etcd, "orders", 0));
    const producer = kafka.producer();
    await producer.connect();
    for (let i = 0; i < 5; i++) console.log(JSON.stringify(await producer.send({ topic: "orders", acks: -1, messages: [{ value: `m${i}` }] })));
  } catch (e) {
    console.log("ERR", e);
  } finally {
    console.log(Object.keys(await etcdGet(etcd, "/rivulet")));
    for (const b of brokers) console.log(`---- broker ${b.id}\n` + b.proc.out.split("\n").filter((l) => !l.includes('"debug"')).slice(-25).join("\n"));
  }
}, 60_000);

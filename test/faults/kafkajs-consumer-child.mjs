// A kafkajs group consumer for the restart suite, in its own process (its RSS is measured alone).
//   argv[2] bootstrap, argv[3] topic, argv[4] group
// stdout: "<partition> <offset>" per record.
import { Kafka, logLevel } from "kafkajs";

const [bootstrap, topic, group] = process.argv.slice(2);
const kafka = new Kafka({ brokers: [bootstrap], clientId: "restart-suite", logLevel: logLevel.NOTHING, retry: { retries: 1000, maxRetryTime: 2000 } });
const consumer = kafka.consumer({ groupId: group, maxWaitTimeInMs: 200, retry: { retries: 1000, maxRetryTime: 2000 } });
consumer.on(consumer.events.CRASH, (e) => process.stderr.write(`crash ${e.payload.error.message} restart=${e.payload.restart}\n`));
await consumer.connect();
await consumer.subscribe({ topic, fromBeginning: true });
await consumer.run({
  eachMessage: async ({ partition, message }) => {
    process.stdout.write(`${partition} ${message.offset}\n`);
  },
});
process.stderr.write("running\n");

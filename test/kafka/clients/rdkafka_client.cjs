// librdkafka driver for test/kafka/rdkafka-848.test.ts through the node-rdkafka API (node-rdkafka itself, or
// @confluentinc/kafka-javascript, which exports the same one), run as a child process: a native addon is
// loaded once per process, and a consumer killed or restarted is a process killed or restarted.
//
//   node rdkafka_client.cjs <package dir> produce --bootstrap B --topic T --count N --prefix P [--start S]
//   node rdkafka_client.cjs <package dir> consume --bootstrap B --topic T --group G [--protocol consumer|classic]
//        [--delay-ms D]
//
// Output is one JSON object per line. `consume` runs until SIGTERM (then it leaves the group and prints
// {"event":"closed"}) and prints: "ready"; "assign"/"revoke" with the partitions of each rebalance callback;
// "record" for each record after committing it synchronously (`committed` false when the commit failed, so a
// record printed with committed true was committed before it was printed); "error" with librdkafka's code.

"use strict";

const [, , dir, command, ...rest] = process.argv;
const Kafka = require(dir);
const args = {};
for (let i = 0; i < rest.length; i += 2) args[rest[i].replace(/^--/, "")] = rest[i + 1];
const out = (obj) => process.stdout.write(JSON.stringify({ ...obj, at: Date.now() }) + "\n");
const fail = (what, err) => {
  process.stderr.write(`${what}: ${err && err.stack ? err.stack : String(err)}\n`);
  process.exit(1);
};

function produce() {
  const count = Number(args.count);
  const start = Number(args.start ?? 0);
  const producer = new Kafka.Producer({ "bootstrap.servers": args.bootstrap, dr_cb: true, "linger.ms": 5, "enable.idempotence": true });
  const errors = [];
  let reports = 0;
  producer.on("delivery-report", (err, report) => {
    reports++;
    if (err) errors.push(String(err.message ?? err));
    else if (report.offset < 0) errors.push(`no offset for ${report.partition}`);
    if (reports === count) producer.disconnect(() => (out({ delivered: count - errors.length, errors: errors.slice(0, 3) }), process.exit(errors.length ? 1 : 0)));
  });
  producer.on("event.error", (err) => fail("producer error", err));
  producer.setPollInterval(20);
  producer.connect({ timeout: 15_000 }, (err) => {
    if (err) fail("connect", err);
    for (let i = start; i < start + count; i++) producer.produce(args.topic, null, Buffer.from(`${args.prefix}-${i}`), `k${i}`);
  });
}

function consume() {
  const delayMs = Number(args["delay-ms"] ?? 0);
  const conf = {
    "bootstrap.servers": args.bootstrap,
    "group.id": args.group,
    "group.protocol": args.protocol ?? "consumer",
    "enable.auto.commit": false,
    rebalance_cb: true,
    event_cb: true,
    "topic.metadata.refresh.interval.ms": 1000,
  };
  // The classic protocol's client-side settings; librdkafka refuses them with group.protocol=consumer.
  // RIVULET_RDKAFKA_DEBUG=cgrp,protocol: librdkafka's debug log on stderr (the test shows it on failure).
  if (process.env.RIVULET_RDKAFKA_DEBUG) conf.debug = process.env.RIVULET_RDKAFKA_DEBUG;
  if (conf["group.protocol"] === "classic") Object.assign(conf, { "session.timeout.ms": 6000, "heartbeat.interval.ms": 500 });
  const consumer = new Kafka.KafkaConsumer(conf, { "auto.offset.reset": "earliest" });
  let closing = false;
  consumer.on("rebalance", (err, assignment) => {
    const partitions = assignment.map((tp) => tp.partition).sort((a, b) => a - b);
    if (err.code === Kafka.CODES.ERRORS.ERR__ASSIGN_PARTITIONS) out({ event: "assign", partitions, protocol: consumer.rebalanceProtocol() });
    else if (err.code === Kafka.CODES.ERRORS.ERR__REVOKE_PARTITIONS) out({ event: "revoke", partitions });
    else out({ event: "error", code: err.code, message: err.message, where: "rebalance" });
  });
  consumer.on("rebalance.error", (err) => out({ event: "error", code: err.code, message: err.message, where: "rebalance.error" }));
  consumer.on("event.log", (log) => process.stderr.write(`${log.fac} ${log.message}\n`));
  consumer.on("event.error", (err) => out({ event: "error", code: err.code, message: err.message, where: "event" }));
  const loop = () => {
    if (closing) return;
    consumer.consume(10, async (err, messages) => {
      if (err) out({ event: "error", code: err.code, message: err.message, where: "consume" });
      for (const m of messages ?? []) {
        if (closing) return;
        let committed = true;
        try {
          consumer.commitMessageSync(m);
        } catch (e) {
          committed = false;
          out({ event: "error", code: e.code, message: e.message, where: "commit" });
        }
        out({ event: "record", partition: m.partition, offset: m.offset, key: String(m.key), value: String(m.value), committed });
        if (delayMs) await new Promise((r) => setTimeout(r, delayMs));
      }
      setImmediate(loop);
    });
  };
  process.on("SIGTERM", () => {
    closing = true;
    consumer.disconnect(() => (out({ event: "closed" }), process.exit(0)));
  });
  consumer.setDefaultConsumeTimeout(100);
  consumer.connect({ timeout: 15_000 }, (err) => {
    if (err) fail("connect", err);
    consumer.subscribe([args.topic]);
    out({ event: "ready", librdkafka: Kafka.librdkafkaVersion });
    loop();
  });
}

if (command === "produce") produce();
else if (command === "consume") consume();
else fail("usage", `unknown command ${command}`);

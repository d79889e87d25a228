"""confluent-kafka-python (librdkafka) driver for test/kafka/confluent-kafka.test.ts.

Run with /usr/bin/python3 (Debian's python3-confluent-kafka). One subcommand per invocation; results are
printed as one JSON object per line on stdout, errors go to stderr with a non-zero exit.
"""
import argparse
import json
import sys
import time

from confluent_kafka import Consumer, KafkaException, Producer, TopicPartition, OFFSET_BEGINNING
from confluent_kafka.admin import AdminClient, ConfigResource, NewPartitions, NewTopic


def out(obj):
    print(json.dumps(obj), flush=True)


def produce(a):
    conf = {"bootstrap.servers": a.bootstrap, "acks": a.acks, "linger.ms": 20}
    if a.idempotent:
        conf["enable.idempotence"] = True
    if a.compression:
        conf["compression.type"] = a.compression
    p = Producer(conf)
    results = []

    def report(err, msg):
        results.append({"error": str(err) if err else None, "partition": msg.partition(), "offset": msg.offset()})

    for i in range(a.count):
        p.produce(a.topic, key=f"k{a.start + i}", value=f"{a.prefix}-{a.start + i}", partition=a.partition, on_delivery=report)
        if i % 1000 == 999:
            p.poll(0)
    left = p.flush(20)
    errors = [r for r in results if r["error"]]
    out({"delivered": len(results) - len(errors), "errors": errors[:3], "left": left, "offsets": sorted({r["offset"] for r in results})[:3]})
    return 0 if not errors and left == 0 else 1


def consume(a):
    c = Consumer({"bootstrap.servers": a.bootstrap, "group.id": "unused-standalone", "enable.auto.commit": False})
    if a.offset == "beginning":
        offset = OFFSET_BEGINNING
    elif a.offset.startswith("ts:"):
        found = c.offsets_for_times([TopicPartition(a.topic, a.partition, int(a.offset[3:]))], timeout=10)
        out({"offsets_for_times": found[0].offset})
        offset = found[0].offset
    else:
        offset = int(a.offset)
    c.assign([TopicPartition(a.topic, a.partition, offset)])
    got = []
    deadline = time.time() + 15
    while len(got) < a.count and time.time() < deadline:
        m = c.poll(0.5)
        if m is None:
            continue
        if m.error():
            print(m.error(), file=sys.stderr)
            continue
        got.append({"key": m.key().decode(), "value": m.value().decode(), "offset": m.offset()})
    c.close()
    for g in got:
        out(g)
    return 0 if len(got) == a.count else 1


def group(a):
    conf = {
        "bootstrap.servers": a.bootstrap,
        "group.id": a.group,
        "auto.offset.reset": "earliest",
        "enable.auto.commit": False,
        "session.timeout.ms": 10000,
    }
    if a.instance:
        conf["group.instance.id"] = a.instance
    c = Consumer(conf)
    c.subscribe([a.topic])
    got = []
    deadline = time.time() + 40
    while len(got) < a.count and time.time() < deadline:
        m = c.poll(0.5)
        if m is None or m.error():
            continue
        got.append({"partition": m.partition(), "offset": m.offset(), "key": m.key().decode()})
    c.commit(asynchronous=False)
    committed = c.committed([TopicPartition(a.topic, p) for p in range(a.partitions)], timeout=10)
    c.close()
    out({"records": len(got), "partitions": sorted({g["partition"] for g in got}), "committed": [t.offset for t in committed]})
    return 0 if len(got) >= a.count else 1


def committed(a):
    c = Consumer({"bootstrap.servers": a.bootstrap, "group.id": a.group})
    parts = c.committed([TopicPartition(a.topic, p) for p in range(a.partitions)], timeout=10)
    c.close()
    out({"committed": [t.offset for t in parts]})
    return 0


def admin(a):
    ad = AdminClient({"bootstrap.servers": a.bootstrap})
    if a.action == "create":
        fs = ad.create_topics([NewTopic(a.topic, num_partitions=a.partitions, replication_factor=a.replication)], operation_timeout=10)
    else:
        fs = ad.delete_topics([a.topic], operation_timeout=10)
    result = {}
    for name, f in fs.items():
        try:
            f.result()
            result[name] = None
        except KafkaException as e:
            result[name] = e.args[0].name()
    md = ad.list_topics(timeout=10)
    out({"result": result, "topics": sorted(t for t in md.topics if not t.startswith("__"))})
    return 0


def configs(a):
    """describe_configs / alter_configs on a topic and the broker, then create_partitions."""
    ad = AdminClient({"bootstrap.servers": a.bootstrap})

    def describe(resource):
        (res, f), = ad.describe_configs([resource]).items()
        entries = f.result()
        return {
            name: {"value": e.value, "source": int(e.source), "default": e.is_default, "read_only": e.is_read_only,
                   "synonyms": [s.name for s in e.synonyms.values()]}
            for name, e in entries.items()
        }

    topic = ConfigResource(ConfigResource.Type.TOPIC, a.topic)
    before = describe(topic)
    altered = ConfigResource(ConfigResource.Type.TOPIC, a.topic, set_config={"retention.ms": a.retention})
    (_, f), = ad.alter_configs([altered]).items()
    f.result()
    after = describe(topic)
    bad = ConfigResource(ConfigResource.Type.TOPIC, a.topic, set_config={"retention.ms": "not-a-number"})
    (_, f), = ad.alter_configs([bad]).items()
    try:
        f.result()
        bad_error = None
    except KafkaException as e:
        bad_error = e.args[0].name()
    broker = describe(ConfigResource(ConfigResource.Type.BROKER, "1"))
    (_, f), = ad.create_partitions([NewPartitions(a.topic, a.partitions)], operation_timeout=10).items()
    f.result()
    (_, f), = ad.create_partitions([NewPartitions(a.topic, 1)], operation_timeout=10).items()
    try:
        f.result()
        shrink_error = None
    except KafkaException as e:
        shrink_error = e.args[0].name()
    md = ad.list_topics(topic=a.topic, timeout=10)
    out({"before": before["retention.ms"], "after": after["retention.ms"], "bad": bad_error,
         "broker": broker.get("log.retention.ms"), "partitions": len(md.topics[a.topic].partitions),
         "shrink": shrink_error})
    return 0


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bootstrap", required=True)
    sub = ap.add_subparsers(dest="cmd", required=True)
    p = sub.add_parser("produce")
    p.add_argument("--topic", required=True)
    p.add_argument("--partition", type=int, default=0)
    p.add_argument("--count", type=int, default=10)
    p.add_argument("--start", type=int, default=0)
    p.add_argument("--prefix", default="v")
    p.add_argument("--acks", default="all")
    p.add_argument("--idempotent", action="store_true")
    p.add_argument("--compression")
    c = sub.add_parser("consume")
    c.add_argument("--topic", required=True)
    c.add_argument("--partition", type=int, default=0)
    c.add_argument("--offset", default="beginning")
    c.add_argument("--count", type=int, required=True)
    g = sub.add_parser("group")
    g.add_argument("--group", required=True)
    g.add_argument("--topic", required=True)
    g.add_argument("--partitions", type=int, required=True)
    g.add_argument("--count", type=int, required=True)
    g.add_argument("--instance")
    k = sub.add_parser("committed")
    k.add_argument("--group", required=True)
    k.add_argument("--topic", required=True)
    k.add_argument("--partitions", type=int, required=True)
    d = sub.add_parser("admin")
    d.add_argument("action", choices=["create", "delete"])
    d.add_argument("--topic", required=True)
    d.add_argument("--partitions", type=int, default=1)
    d.add_argument("--replication", type=int, default=1)
    cf = sub.add_parser("configs")
    cf.add_argument("--topic", required=True)
    cf.add_argument("--retention", default="3600000")
    cf.add_argument("--partitions", type=int, default=4)
    a = ap.parse_args()
    return {"produce": produce, "consume": consume, "group": group, "committed": committed, "admin": admin,
            "configs": configs}[a.cmd](a)


if __name__ == "__main__":
    sys.exit(main())

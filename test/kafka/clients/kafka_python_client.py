"""kafka-python 2.0.2 driver for test/kafka/kafka-python.test.ts.

Run with /usr/bin/python3 (Debian's python3-kafka). One subcommand per invocation; results are printed as
one JSON object per line on stdout. Only the gzip codec is available to kafka-python here.
"""
import argparse
import json
import sys
import time

from kafka import KafkaAdminClient, KafkaConsumer, KafkaProducer, TopicPartition
from kafka.admin import NewTopic
from kafka.errors import KafkaError


def out(obj):
    print(json.dumps(obj), flush=True)


def produce(a):
    acks = {"all": "all", "1": 1, "0": 0}[a.acks]
    p = KafkaProducer(bootstrap_servers=a.bootstrap, acks=acks, compression_type=a.compression, linger_ms=20)
    futures = [p.send(a.topic, key=f"k{a.start + i}".encode(), value=f"{a.prefix}-{a.start + i}".encode(), partition=a.partition) for i in range(a.count)]
    p.flush(20)
    offsets = []
    for f in futures:
        offsets.append(f.get(timeout=20).offset)
    p.close(5)
    out({"delivered": len(offsets), "first": offsets[0], "last": offsets[-1], "api_version": list(p.config["api_version"])})
    return 0


def consume(a):
    c = KafkaConsumer(bootstrap_servers=a.bootstrap, enable_auto_commit=False, consumer_timeout_ms=10000)
    tp = TopicPartition(a.topic, a.partition)
    c.assign([tp])
    if a.offset == "beginning":
        c.seek_to_beginning(tp)
    elif a.offset.startswith("ts:"):
        found = c.offsets_for_times({tp: int(a.offset[3:])})[tp]
        out({"offsets_for_times": found.offset if found else None})
        c.seek(tp, found.offset)
    else:
        c.seek(tp, int(a.offset))
    got = []
    for m in c:
        got.append({"key": m.key.decode(), "value": m.value.decode(), "offset": m.offset})
        if len(got) >= a.count:
            break
    c.close()
    for g in got:
        out(g)
    return 0 if len(got) == a.count else 1


def group(a):
    c = KafkaConsumer(
        a.topic,
        bootstrap_servers=a.bootstrap,
        group_id=a.group,
        auto_offset_reset="earliest",
        enable_auto_commit=False,
        consumer_timeout_ms=30000,
        session_timeout_ms=10000,
        heartbeat_interval_ms=1000,
    )
    got = []
    for m in c:
        got.append({"partition": m.partition, "offset": m.offset})
        if len(got) >= a.count:
            break
    c.commit()
    committed = [c.committed(TopicPartition(a.topic, p)) for p in range(a.partitions)]
    c.close()
    out({"records": len(got), "partitions": sorted({g["partition"] for g in got}), "committed": committed})
    return 0 if len(got) >= a.count else 1


def committed(a):
    c = KafkaConsumer(bootstrap_servers=a.bootstrap, group_id=a.group, enable_auto_commit=False)
    result = [c.committed(TopicPartition(a.topic, p)) for p in range(a.partitions)]
    c.close()
    out({"committed": result})
    return 0


def admin(a):
    ad = KafkaAdminClient(bootstrap_servers=a.bootstrap)
    result = None
    try:
        if a.action == "create":
            ad.create_topics([NewTopic(a.topic, num_partitions=a.partitions, replication_factor=a.replication)])
        elif a.action == "delete":
            ad.delete_topics([a.topic])
        elif a.action == "groups":
            out({"groups": sorted(g[0] for g in ad.list_consumer_groups())})
            ad.close()
            return 0
    except KafkaError as e:
        result = type(e).__name__
    consumer = KafkaConsumer(bootstrap_servers=a.bootstrap)
    topics = sorted(t for t in consumer.topics() if not t.startswith("__"))
    consumer.close()
    ad.close()
    out({"error": result, "topics": topics})
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
    k = sub.add_parser("committed")
    k.add_argument("--group", required=True)
    k.add_argument("--topic", required=True)
    k.add_argument("--partitions", type=int, required=True)
    d = sub.add_parser("admin")
    d.add_argument("action", choices=["create", "delete", "groups"])
    d.add_argument("--topic", default="")
    d.add_argument("--partitions", type=int, default=1)
    d.add_argument("--replication", type=int, default=1)
    a = ap.parse_args()
    return {"produce": produce, "consume": consume, "group": group, "committed": committed, "admin": admin}[a.cmd](a)


if __name__ == "__main__":
    sys.exit(main())

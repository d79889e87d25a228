"""confluent-kafka-python transactions driver for test/transactions/confluent.test.ts. One JSON line per result.

  produce  --bootstrap B --topic T --txid X: commits [c1, c2], aborts [a1, a2], commits [c3]
  ctp      --bootstrap B --in I --out O --group G --txid X --count N --abort-at K:
           consume-transform-produce, read_committed; the K-th input's transaction is aborted (and its
           input re-read from the group's committed offset); every other input is committed with
           send_offsets_to_transaction.
  fenced   --bootstrap B --topic T --txid X: two producers, same id; the first is fenced by the second.
"""
import argparse
import json
import sys

from confluent_kafka import Consumer, KafkaException, Producer, TopicPartition


def out(obj):
    print(json.dumps(obj), flush=True)


def producer(args, txid):
    p = Producer({"bootstrap.servers": args.bootstrap, "transactional.id": txid, "transaction.timeout.ms": 10000, "linger.ms": 0})
    p.init_transactions(15)
    return p


def cmd_produce(args):
    p = producer(args, args.txid)
    for values, commit in ((["c1", "c2"], True), (["a1", "a2"], False), (["c3"], True)):
        p.begin_transaction()
        for i, v in enumerate(values):
            p.produce(args.topic, value=v.encode(), partition=i % 2)
        p.flush(10)
        if commit:
            p.commit_transaction(15)
        else:
            p.abort_transaction(15)
    out({"done": True})


def cmd_ctp(args):
    c = Consumer({
        "bootstrap.servers": args.bootstrap, "group.id": args.group, "auto.offset.reset": "earliest",
        "enable.auto.commit": False, "isolation.level": "read_committed",
    })
    c.subscribe([getattr(args, "in")])
    p = producer(args, args.txid)
    seen = 0
    processed = 0
    aborted = False
    while processed < args.count:
        msg = c.poll(1.0)
        if msg is None:
            continue
        if msg.error():
            raise KafkaException(msg.error())
        seen += 1
        p.begin_transaction()
        p.produce(args.out, value=msg.value().replace(b"in", b"out"))
        offsets = [TopicPartition(msg.topic(), msg.partition(), msg.offset() + 1)]
        p.send_offsets_to_transaction(offsets, c.consumer_group_metadata(), 15)
        if not aborted and seen == args.abort_at:
            aborted = True
            # abort_transaction purges what librdkafka has not sent yet; flush first so the aborted output
            # does reach the log (the test expects read_uncommitted to see it, read_committed not).
            p.flush(10)
            p.abort_transaction(15)
            # Rewind to the record: its offset was not committed either.
            c.seek(TopicPartition(msg.topic(), msg.partition(), msg.offset()))
            out({"aborted": msg.value().decode()})
            continue
        p.commit_transaction(15)
        processed += 1
    c.close()
    out({"processed": processed})


def cmd_fenced(args):
    first = producer(args, args.txid)
    first.begin_transaction()
    first.produce(args.topic, value=b"zombie")
    first.flush(10)
    second = producer(args, args.txid)
    try:
        first.commit_transaction(10)
        out({"zombie_committed": True})
    except KafkaException as e:
        err = e.args[0]
        out({"zombie_error": err.name(), "fatal": err.fatal()})
    second.begin_transaction()
    second.produce(args.topic, value=b"fresh")
    second.commit_transaction(15)
    out({"fresh_committed": True})


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("cmd")
    ap.add_argument("--bootstrap", required=True)
    ap.add_argument("--topic")
    ap.add_argument("--txid")
    ap.add_argument("--in")
    ap.add_argument("--out")
    ap.add_argument("--group")
    ap.add_argument("--count", type=int, default=0)
    ap.add_argument("--abort-at", type=int, default=0)
    args = ap.parse_args()
    {"produce": cmd_produce, "ctp": cmd_ctp, "fenced": cmd_fenced}[args.cmd](args)


if __name__ == "__main__":
    try:
        main()
    except KafkaException as e:
        print(f"KafkaException: {e}", file=sys.stderr)
        sys.exit(2)

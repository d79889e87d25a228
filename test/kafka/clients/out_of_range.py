# Out-of-range fetch offsets with auto.offset.reset, for test/kafka/out-of-range-reset.test.ts.
#   out_of_range.py <confluent|kafka-python> <bootstrap> <topic> <earliest|latest> <offset>
# Assigns partition 0 at <offset> (past the log end), polls for up to 20 s, and prints one JSON line
# {"offset": N} for the first record it receives (after the client's own reset), or {"timeout": true}.
import json
import sys
import time

client, bootstrap, topic, reset, offset = sys.argv[1:6]
offset = int(offset)
deadline = time.time() + 20

def done(result):
    print(json.dumps(result), flush=True)

if client == "confluent":
    from confluent_kafka import Consumer, TopicPartition
    c = Consumer({"bootstrap.servers": bootstrap, "group.id": "oor-%s-%d" % (reset, time.time() * 1000), "auto.offset.reset": reset, "enable.auto.commit": False})
    c.assign([TopicPartition(topic, 0, offset)])
    print(json.dumps({"ready": True}), flush=True)
    result = {"timeout": True}
    while time.time() < deadline:
        m = c.poll(0.2)
        if m is None or m.error():
            continue
        result = {"offset": m.offset()}
        break
    c.close()
    done(result)
else:
    from kafka import KafkaConsumer, TopicPartition
    c = KafkaConsumer(bootstrap_servers=bootstrap, auto_offset_reset=reset, enable_auto_commit=False, group_id=None, api_version_auto_timeout_ms=10000)
    tp = TopicPartition(topic, 0)
    c.assign([tp])
    c.seek(tp, offset)
    print(json.dumps({"ready": True}), flush=True)
    result = {"timeout": True}
    while time.time() < deadline and "offset" not in result:
        for records in c.poll(timeout_ms=200).values():
            if records:
                result = {"offset": records[0].offset}
                break
    c.close()
    done(result)

# confluent-kafka (librdkafka) consumer for the restart suite: assigns partition 0 of a topic from the
# beginning (no group: every record exactly once is expected) and prints one offset per line, flushed.
#   confluent-consumer-child.py <bootstrap> <topic>
import sys
from confluent_kafka import Consumer, TopicPartition

bootstrap, topic = sys.argv[1:3]
c = Consumer({"bootstrap.servers": bootstrap, "group.id": "unused", "enable.auto.commit": False, "auto.offset.reset": "earliest"})
c.assign([TopicPartition(topic, 0, 0)])
while True:
    m = c.poll(0.2)
    if m is None or m.error():
        continue
    sys.stdout.write("%d\n" % m.offset())
    sys.stdout.flush()

# A librdkafka producer (confluent-kafka) for the kill -9 tests: produces numbered values with acks=all to
# one topic until the broker dies, and prints one line "<partition> <offset> <value>" per delivery report
# that the broker acknowledged. Run with /usr/bin/python3 (Debian's confluent-kafka).
import sys
from confluent_kafka import Producer

bootstrap, topic, prefix = sys.argv[1], sys.argv[2], sys.argv[3]
failures = 0

def on_delivery(err, msg):
    global failures
    if err is not None:
        failures += 1
        return
    print(f"{msg.partition()} {msg.offset()} {msg.value().decode()}", flush=True)

producer = Producer({
    "bootstrap.servers": bootstrap,
    "acks": "all",
    "linger.ms": 1,
    "message.timeout.ms": 3000,
    "retries": 0,
    "enable.idempotence": False,
    "socket.connection.setup.timeout.ms": 1000,
    "reconnect.backoff.max.ms": 200,
})
seq = 0
while failures == 0:
    for _ in range(100):
        producer.produce(topic, value=f"{prefix}-{seq}".encode(), on_delivery=on_delivery)
        seq += 1
    producer.poll(0.005)
producer.flush(5)

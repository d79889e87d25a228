# librdkafka (confluent-kafka) producing across session ends, for test/security/reauth.test.ts:
#   reauth_client.py <bootstrap> <topic> <user> <password> <seconds>
# Sends one record every 100 ms for <seconds>, then flushes; prints one JSON line
# {"sent": n, "delivered": n, "failed": n, "errors": [...], "version": "..."}.
import json
import sys
import time

from confluent_kafka import Producer, libversion

bootstrap, topic, user, password, seconds = sys.argv[1:6]
errors = []
counts = {"delivered": 0, "failed": 0}


def report(err, _msg):
    if err is None:
        counts["delivered"] += 1
    else:
        counts["failed"] += 1
        errors.append(str(err))


p = Producer({
    "bootstrap.servers": bootstrap, "security.protocol": "SASL_PLAINTEXT", "sasl.mechanisms": "SCRAM-SHA-256",
    "sasl.username": user, "sasl.password": password, "acks": "1",
    "error_cb": lambda e: errors.append(str(e)),
})
sent = 0
end = time.time() + float(seconds)
while time.time() < end:
    p.produce(topic, str(sent).encode(), on_delivery=report)
    sent += 1
    p.poll(0.1)
p.flush(30)
print(json.dumps({"sent": sent, **counts, "errors": errors[:5], "version": libversion()[0]}), flush=True)

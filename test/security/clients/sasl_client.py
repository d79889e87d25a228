# SASL round trip with a Python client (run with /usr/bin/python3), for test/security/kafka-sasl.test.ts.
#   sasl_client.py <lib: confluent|kafka-python> <bootstrap> <topic> <mechanism> <user> <password-or-token>
# Produces one message and reads it back; prints "OK <value>" or "ERR <message>" and exits 0/1.
import sys

lib, bootstrap, topic, mechanism, user, secret = sys.argv[1:7]
value = f"{lib}-{mechanism}".encode()

try:
    if lib == "confluent":
        from confluent_kafka import Consumer, Producer
        conf = {"bootstrap.servers": bootstrap, "security.protocol": "SASL_PLAINTEXT", "sasl.mechanisms": mechanism}
        if mechanism == "OAUTHBEARER":
            conf["oauth_cb"] = lambda _config: (secret, __import__("time").time() + 3600)
        else:
            conf["sasl.username"] = user
            conf["sasl.password"] = secret
        errors = []
        conf["error_cb"] = lambda e: errors.append(str(e))
        p = Producer(conf)
        p.produce(topic, value)
        left = p.flush(15)
        if left or errors:
            print("ERR", "; ".join(errors) or "not delivered", flush=True)
            sys.exit(1)
        c = Consumer({**conf, "group.id": f"g-{lib}-{mechanism}", "auto.offset.reset": "earliest"})
        c.subscribe([topic])
        got = None
        for _ in range(60):
            m = c.poll(0.5)
            if m is not None and not m.error() and m.value() == value:
                got = m.value()
                break
        c.close()
        if got is None:
            print("ERR", "; ".join(errors) or "not consumed", flush=True)
            sys.exit(1)
        print("OK", got.decode(), flush=True)
    else:
        from kafka import KafkaConsumer, KafkaProducer
        common = dict(bootstrap_servers=bootstrap, security_protocol="SASL_PLAINTEXT", sasl_mechanism=mechanism, sasl_plain_username=user, sasl_plain_password=secret)
        p = KafkaProducer(**common)
        p.send(topic, value).get(timeout=15)
        p.close()
        c = KafkaConsumer(topic, auto_offset_reset="earliest", consumer_timeout_ms=10000, **common)
        got = next((m.value for m in c if m.value == value), None)
        c.close()
        if got is None:
            print("ERR not consumed", flush=True)
            sys.exit(1)
        print("OK", got.decode(), flush=True)
except Exception as e:  # noqa: BLE001 - the test reads the message
    print("ERR", type(e).__name__, e, flush=True)
    sys.exit(1)

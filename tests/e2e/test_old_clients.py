#!/usr/bin/python3
"""Older clients: kafka-python forced to old protocol versions produces
message sets of magic 0 (api_version 0.9: Produce v1) and magic 1 (0.10:
Produce v2), gzip-compressed, and consumes them with Fetch v1 / v2 (the
broker converts stored record batches down); a current client
(confluent-kafka) reads the same messages back intact, and what a current
client wrote is readable by the old ones."""
import os
import sys
import time

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import kslib  # noqa: E402

from confluent_kafka import Consumer, Producer, TopicPartition  # noqa: E402
from kafka import KafkaConsumer, KafkaProducer, TopicPartition as KTP  # noqa: E402

N = 2000


def read_confluent(b, topic, n):
    c = Consumer({"bootstrap.servers": b.addr, "group.id": "old-" + topic,
                  "auto.offset.reset": "earliest", "enable.auto.commit": False})
    c.assign([TopicPartition(topic, 0, 0)])
    got = []
    end = time.time() + 20
    while len(got) < n and time.time() < end:
        m = c.poll(0.5)
        if m is not None and not m.error():
            got.append((m.offset(), m.key(), m.value()))
    c.close()
    return got


def read_old(b, topic, n, version):
    c = KafkaConsumer(bootstrap_servers=b.addr, api_version=version, auto_offset_reset="earliest",
                      enable_auto_commit=False, consumer_timeout_ms=8000)
    c.assign([KTP(topic, 0)])
    c.seek_to_beginning()
    got = []
    for m in c:
        got.append((m.offset, m.key, m.value))
        if len(got) >= n:
            break
    c.close()
    return got


def main(t):
    b = kslib.Broker(t, "old")
    for version, magic in (((0, 9), 0), ((0, 10, 0), 1)):
        topic = "old-v%d" % magic
        p = KafkaProducer(bootstrap_servers=b.addr, api_version=version, compression_type="gzip",
                          acks=1, linger_ms=5)
        fs = [p.send(topic, key=b"k%d" % i, value=(b"old magic %d message %d " % (magic, i)) * 5,
                     partition=0) for i in range(N)]
        p.flush(20)
        offs = sorted(f.get(10).offset for f in fs)
        p.close()
        t.check(offs == list(range(N)),
                "kafka-python api_version=%s (magic %d, gzip) got offsets 0..%d acknowledged" % (version, magic, N - 1))
        want = [(i, b"k%d" % i, (b"old magic %d message %d " % (magic, i)) * 5) for i in range(N)]
        got = read_confluent(b, topic, N)
        t.check(got == want, "confluent-kafka reads what the old client wrote, intact (%d of %d)" % (len(got), N))
        got = read_old(b, topic, N, version)
        t.check(got == want, "kafka-python api_version=%s reads it back (Fetch of magic %d sets, %d of %d)"
                % (version, magic, len(got), N))
    # a current client writes, an old one reads (down-conversion of gzip batches)
    pr = Producer({"bootstrap.servers": b.addr, "compression.codec": "gzip", "linger.ms": 5})
    for i in range(N):
        pr.produce("old-new", key=b"n%d" % i, value=b"new message %d" % i, partition=0)
    pr.flush(20)
    want = [(i, b"n%d" % i, b"new message %d" % i) for i in range(N)]
    for version in ((0, 9), (0, 10, 0)):
        got = read_old(b, "old-new", N, version)
        t.check(got == want, "kafka-python api_version=%s reads record batches written by librdkafka "
                "(%d of %d)" % (version, len(got), N))
    b.stop()


if __name__ == "__main__":
    kslib.Test("old_clients", timeout=120).run(main)

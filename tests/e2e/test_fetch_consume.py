#!/usr/bin/python3
"""Consume what was produced: 4 partitions, confluent-kafka producer,
confluent-kafka (librdkafka, Fetch v11+) and kafka-python (Fetch v4)
consumers from the beginning: every message present, in order per
partition, byte for byte (keys, values, headers for v2 fetchers).  First
while the data is still in the ring, then after a broker restart (new ring:
the data only exists as segments in the object store).  ListOffsets:
get_watermark_offsets (earliest/latest) and offsets_for_times, before and
after the restart."""
import os
import sys
import time

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import kslib  # noqa: E402

from confluent_kafka import Producer, Consumer, TopicPartition, OFFSET_BEGINNING  # noqa: E402
from test_fetch_raw import create_topic  # noqa: E402

TOPIC = "fetch-consume"
NPART = 4
N = 2000


def make_messages():
    msgs = []
    for i in range(N):
        p = i % NPART
        # sizes from a few bytes to ~6 KiB, some null keys, binary content
        size = (i * 37) % 6000 + 1
        val = bytes((i + k) % 256 for k in range(size))
        key = None if i % 10 == 0 else ("key-%d" % i).encode()
        msgs.append((p, key, val, [("h", str(i).encode())]))
    return msgs


def produce(b, msgs, t):
    pr = Producer({"bootstrap.servers": b.addr, "linger.ms": 5, "acks": "all",
                   "batch.num.messages": 100})
    errors = []
    stamps = []

    def cb(err, m):
        if err is not None:
            errors.append(err)
    for i, (p, k, v, h) in enumerate(msgs):
        ts = 1700000000000 + i * 1000
        stamps.append(ts)
        pr.produce(TOPIC, value=v, key=k, partition=p, headers=h, timestamp=ts, on_delivery=cb)
        if i % 500 == 0:
            pr.poll(0)
    left = pr.flush(20)
    t.check(left == 0 and not errors, "produced %d messages (left %d, errors %s)"
            % (len(msgs), left, errors[:3]))
    return stamps


def consume_confluent(b, count, timeout=20):
    c = Consumer({"bootstrap.servers": b.addr, "group.id": "ks-e2e-fetch",
                  "enable.auto.commit": False, "fetch.wait.max.ms": 100,
                  "fetch.message.max.bytes": 65536})
    c.assign([TopicPartition(TOPIC, p, OFFSET_BEGINNING) for p in range(NPART)])
    got = {p: [] for p in range(NPART)}
    end = time.monotonic() + timeout
    n = 0
    while n < count and time.monotonic() < end:
        m = c.poll(0.5)
        if m is None:
            continue
        if m.error() is not None:
            kslib.log("consumer error: %s" % m.error())
            continue
        got[m.partition()].append((m.offset(), m.key(), m.value(), m.headers() or []))
        n += 1
    c.close()
    return got


def consume_kafka_python(b, count, timeout=20):
    from kafka import KafkaConsumer, TopicPartition as KTP
    c = KafkaConsumer(bootstrap_servers=b.addr, enable_auto_commit=False, group_id=None,
                      api_version_auto_timeout_ms=5000, fetch_max_wait_ms=100,
                      consumer_timeout_ms=3000, max_partition_fetch_bytes=100000)
    tps = [KTP(TOPIC, p) for p in range(NPART)]
    c.assign(tps)
    c.seek_to_beginning(*tps)
    got = {p: [] for p in range(NPART)}
    end = time.monotonic() + timeout
    n = 0
    while n < count and time.monotonic() < end:
        recs = c.poll(timeout_ms=500)
        for tp, lst in recs.items():
            for m in lst:
                got[tp.partition].append((m.offset, m.key, m.value,
                                          [(k, v) for k, v in (m.headers or [])]))
                n += 1
    c.close()
    return got


def verify(t, got, msgs, what):
    want = {p: [] for p in range(NPART)}
    for (p, k, v, h) in msgs:
        want[p].append((len(want[p]), k, v, h))
    ok = True
    for p in range(NPART):
        if got[p] != want[p]:
            ok = False
            g = got[p]
            first_bad = next((i for i in range(min(len(g), len(want[p]))) if g[i] != want[p][i]), None)
            kslib.log("%s: partition %d: got %d messages, want %d, first difference at %s"
                      % (what, p, len(g), len(want[p]), first_bad))
    t.check(ok, "%s: all %d messages, in order per partition, byte for byte" % (what, len(msgs)))


def list_offsets(t, b, stamps, msgs, what):
    c = Consumer({"bootstrap.servers": b.addr, "group.id": "ks-e2e-lo"})
    per = [sum(1 for m in msgs if m[0] == p) for p in range(NPART)]
    wm = [c.get_watermark_offsets(TopicPartition(TOPIC, p), timeout=10) for p in range(NPART)]
    t.check(wm == [(0, per[p]) for p in range(NPART)],
            "%s: watermarks %s (want low 0, high %s)" % (what, wm, per))
    # message i went to partition i % 4 at offset i // 4 with timestamp stamps[i]
    i = 1001                                    # partition 1, offset 250
    q = [TopicPartition(TOPIC, p, stamps[i] - 1) for p in range(NPART)]
    res = c.offsets_for_times(q, timeout=10)
    want = []
    for p in range(NPART):
        # first message of partition p with ts >= stamps[i]-1
        j = next(k for k in range(N) if k % NPART == p and stamps[k] >= stamps[i] - 1)
        want.append(j // NPART)
    t.check([r.offset for r in res] == want, "%s: offsets_for_times %s (want %s)"
            % (what, [r.offset for r in res], want))
    res = c.offsets_for_times([TopicPartition(TOPIC, 0, stamps[-1] + 10 ** 6)], timeout=10)
    t.check(res[0].offset == -1 or res[0].offset == per[0],
            "%s: offsets_for_times past the end -> %d (end)" % (what, res[0].offset))
    c.close()


def main(t):
    b = kslib.Broker(t, "b1", {"num.partitions": "1"})
    create_topic(b, TOPIC, NPART)
    msgs = make_messages()
    t0 = time.monotonic()
    stamps = produce(b, msgs, t)
    kslib.log("produced in %.2f s" % (time.monotonic() - t0))

    t0 = time.monotonic()
    got = consume_confluent(b, N)
    kslib.log("consumed (ring) in %.2f s" % (time.monotonic() - t0))
    verify(t, got, msgs, "confluent-kafka, from the ring")
    list_offsets(t, b, stamps, msgs, "ring")

    b.stop()
    b.start()
    t0 = time.monotonic()
    got = consume_confluent(b, N)
    kslib.log("consumed (object store) in %.2f s" % (time.monotonic() - t0))
    verify(t, got, msgs, "confluent-kafka, after a restart (object store)")
    t.check(b.wait_log(r"reading \S*%s/[0-3]/segment-\d{20}\.kfs from the object store" % TOPIC, 1)
            is not None, "after the restart the data came from segments in the object store")
    list_offsets(t, b, stamps, msgs, "object store")

    got = consume_kafka_python(b, N)
    verify(t, got, msgs, "kafka-python (Fetch v4), object store")
    b.stop()


kslib.Test("fetch_consume").run(main)

#!/usr/bin/python3
"""The data path with the Python clients (file object store):

- kafka-python produces 50,000 x 100-byte messages (gzip, acks=all, keys,
  2 headers, explicit partition seq % 4) -- kafka-python manages ~20k
  msgs/s here, so 50,000 keeps the test to seconds; a group-less
  KafkaConsumer (assign + seek_to_beginning) reads them back and every
  message is checked byte for byte, in order, at the offset its producer
  future reported;
- confluent-kafka produces 200,000 (lz4, acks=all, headers) and reads them
  back the same way (assign at OFFSET_BEGINNING, no group join);
- cross-client: confluent-kafka reads what kafka-python produced; kafka-python
  reads 20,000 that confluent-kafka produced with gzip (kafka-python cannot
  decompress lz4 here: Debian's python3-lz4 is not installed).
Messages are the same as rdkafka_check's (checklib.key/value/headers)."""
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import kslib  # noqa: E402
import checklib  # noqa: E402

from kafka import KafkaProducer, KafkaConsumer, TopicPartition  # noqa: E402
from kafka.admin import KafkaAdminClient, NewTopic  # noqa: E402
import confluent_kafka as ck  # noqa: E402

P = 4
SIZE = 100


def msg(seq):
    return (checklib.key(seq, P), checklib.value(seq, SIZE),
            [(k, v) for k, v in checklib.headers(seq)])


def create(addr, names):
    a = KafkaAdminClient(bootstrap_servers=addr, request_timeout_ms=15000)
    a.create_topics([NewTopic(n, P, 1) for n in names])
    a.close()


class Verifier:
    """Checks a stream of (partition, offset, key, headers, value)."""

    def __init__(self, name, count, acked):
        self.name, self.count, self.acked = name, count, acked
        self.seen = {}
        self.next_off = [0] * P
        self.errors = []

    def add(self, p, off, k, hdrs, v):
        def bad(why):
            if len(self.errors) < 10:
                kslib.log("%s: MISMATCH partition %d offset %d: %s" % (self.name, p, off, why))
            self.errors.append(why)
        hd = dict((hk, hv) for hk, hv in (hdrs or []))
        try:
            seq = int(hd.get("h1"))
        except (TypeError, ValueError):
            return bad("no h1=<seq> header (headers %r)" % (hdrs,))
        why = checklib.check_message(seq, p, P, SIZE, k, hdrs or [], v)
        if why:
            return bad(why)
        if off != self.next_off[p]:
            bad("offset %d, want %d (gap or repeat)" % (off, self.next_off[p]))
        self.next_off[p] = off + 1
        if seq in self.seen:
            return bad("duplicate of seq %d" % seq)
        self.seen[seq] = (p, off)
        if self.acked is not None and self.acked.get(seq) != (p, off):
            bad("seq %d acknowledged at %r" % (seq, self.acked.get(seq)))

    def done(self):
        return len(self.seen) >= self.count

    def result(self):
        missing = self.count - len(self.seen)
        if missing:
            self.errors.append("%d of %d messages missing" % (missing, self.count))
        return self.errors


def kp_produce(addr, topic, n, codec):
    prod = KafkaProducer(bootstrap_servers=addr, acks="all", compression_type=codec,
                         linger_ms=5, batch_size=256 * 1024, max_request_size=4 << 20,
                         buffer_memory=256 << 20, request_timeout_ms=30000)
    acked, failed = {}, []
    t0 = time.monotonic()
    for seq in range(n):
        k, v, h = msg(seq)
        f = prod.send(topic, key=k, value=v, headers=h, partition=seq % P)
        f.add_callback(lambda md, s=seq: acked.__setitem__(s, (md.partition, md.offset)))
        f.add_errback(lambda e, s=seq: failed.append((s, e)))
    prod.flush(timeout=120)
    dt = time.monotonic() - t0
    prod.close(timeout=10)
    print("kafka-python produce: %d msgs (%s, acks=all) in %.2f s: %.0f msgs/s %.2f MB/s"
          % (n, codec, dt, n / dt, n * SIZE / dt / 1e6))
    return acked, failed


def kp_consume(addr, topic, n, acked, timeout=90):
    c = KafkaConsumer(bootstrap_servers=addr, group_id=None, enable_auto_commit=False,
                      auto_offset_reset="earliest", fetch_max_bytes=32 << 20,
                      max_partition_fetch_bytes=8 << 20, consumer_timeout_ms=1000)
    c.assign([TopicPartition(topic, p) for p in range(P)])
    c.seek_to_beginning()
    v = Verifier("kafka-python consume %s" % topic, n, acked)
    t0 = time.monotonic()
    end = t0 + timeout
    count = 0
    while not v.done() and time.monotonic() < end:
        for tp, recs in c.poll(timeout_ms=500, max_records=10000).items():
            for r in recs:
                count += 1
                v.add(tp.partition, r.offset, r.key, r.headers, r.value)
    dt = time.monotonic() - t0
    c.close()
    print("kafka-python consume %s: %d msgs in %.2f s: %.0f msgs/s %.2f MB/s"
          % (topic, count, dt, count / dt, count * SIZE / dt / 1e6))
    return v.result()


def ck_produce(addr, topic, n, codec):
    prod = ck.Producer({"bootstrap.servers": addr, "acks": "all", "compression.type": codec,
                        "queue.buffering.max.messages": 1000000, "message.timeout.ms": 90000})
    acked, failed = {}, []

    def dr(err, m, seq):
        if err:
            failed.append((seq, err))
        else:
            acked[seq] = (m.partition(), m.offset())
    t0 = time.monotonic()
    for seq in range(n):
        k, v, h = msg(seq)
        while True:
            try:
                prod.produce(topic, key=k, value=v, headers=h, partition=seq % P,
                             on_delivery=lambda err, m, s=seq: dr(err, m, s))
                break
            except BufferError:
                prod.poll(0.01)
        if seq % 1000 == 0:
            prod.poll(0)
    left = prod.flush(120)
    dt = time.monotonic() - t0
    print("confluent-kafka produce: %d msgs (%s, acks=all) in %.2f s: %.0f msgs/s %.2f MB/s, %d left"
          % (n, codec, dt, n / dt, n * SIZE / dt / 1e6, left))
    return acked, failed


def ck_consume(addr, topic, n, acked, timeout=90):
    # group.id is required by the client; assign() never joins the group
    c = ck.Consumer({"bootstrap.servers": addr, "group.id": "ks-e2e-data-unused",
                     "enable.auto.commit": False, "enable.auto.offset.store": False,
                     "auto.offset.reset": "error", "fetch.wait.max.ms": 100})
    c.assign([ck.TopicPartition(topic, p, ck.OFFSET_BEGINNING) for p in range(P)])
    v = Verifier("confluent-kafka consume %s" % topic, n, acked)
    t0 = time.monotonic()
    end = t0 + timeout
    count = 0
    errs = []
    while not v.done() and time.monotonic() < end:
        for m in c.consume(num_messages=10000, timeout=0.5):
            if m.error():
                errs.append(str(m.error()))
                continue
            count += 1
            v.add(m.partition(), m.offset(), m.key(), m.headers(), m.value())
    dt = time.monotonic() - t0
    c.close()
    print("confluent-kafka consume %s: %d msgs in %.2f s: %.0f msgs/s %.2f MB/s"
          % (topic, count, dt, count / dt, count * SIZE / dt / 1e6))
    return errs[:5] + v.result()


def main(t):
    b = kslib.Broker(t, "py", {"log.level": "info"})
    addr = b.addr
    create(addr, ["kp-gzip", "ck-lz4", "ck-gzip"])

    n = 50000
    acked, failed = kp_produce(addr, "kp-gzip", n, "gzip")
    t.check(not failed and len(acked) == n,
            "kafka-python: %d of %d acknowledged, %d failed %s" % (len(acked), n, len(failed), failed[:3]))
    errs = kp_consume(addr, "kp-gzip", n, acked)
    t.check(not errs, "kafka-python reads its own %d gzip messages back intact %s" % (n, errs[:3]))
    errs = ck_consume(addr, "kp-gzip", n, acked)
    t.check(not errs, "confluent-kafka reads kafka-python's %d messages intact %s" % (n, errs[:3]))

    n = 200000
    acked, failed = ck_produce(addr, "ck-lz4", n, "lz4")
    t.check(not failed and len(acked) == n,
            "confluent-kafka: %d of %d acknowledged, %d failed %s" % (len(acked), n, len(failed), failed[:3]))
    errs = ck_consume(addr, "ck-lz4", n, acked)
    t.check(not errs, "confluent-kafka reads its own %d lz4 messages back intact %s" % (n, errs[:3]))

    n = 20000
    acked, failed = ck_produce(addr, "ck-gzip", n, "gzip")
    t.check(not failed and len(acked) == n,
            "confluent-kafka gzip: %d of %d acknowledged %s" % (len(acked), n, failed[:3]))
    errs = kp_consume(addr, "ck-gzip", n, acked)
    t.check(not errs, "kafka-python reads confluent-kafka's %d gzip messages intact %s" % (n, errs[:3]))

    b.stop()


if __name__ == "__main__":
    kslib.Test("data_python", timeout=300).run(main)

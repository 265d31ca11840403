#!/usr/bin/python3
"""Produce with hand-built record batches (Produce v3 and v7): a valid batch
gets offsets; a bad CRC, a batchLength that lies (too long, too short), a
wrong magic, trailing garbage and an empty records field each get the
error Kafka gives (CORRUPT_MESSAGE 2 / INVALID_RECORD 87) and store
nothing: the high watermark does not move and a consumer reads only the
valid batches.  Also: acks other than 0/1/-1 give INVALID_REQUIRED_ACKS, a
message over max.message.bytes gives MESSAGE_TOO_LARGE, an unknown topic
UNKNOWN_TOPIC_OR_PARTITION."""
import os
import struct
import sys

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import kslib  # noqa: E402
from checklib import crc32c  # noqa: E402

from confluent_kafka import Consumer, TopicPartition  # noqa: E402
from confluent_kafka.admin import AdminClient, NewTopic  # noqa: E402


def varint(v):
    v = (v << 1) ^ (v >> 63)
    out = bytearray()
    while True:
        b = v & 0x7F
        v >>= 7
        if v:
            out.append(b | 0x80)
        else:
            out.append(b)
            return bytes(out)


def batch(values, ts=1700000000000):
    recs = b""
    for i, v in enumerate(values):
        body = b"\x00" + varint(0) + varint(i) + varint(-1) + varint(len(v)) + v + varint(0)
        recs += varint(len(body)) + body
    after_crc = (struct.pack(">hiqqqhii", 0, len(values) - 1, ts, ts, -1, -1, -1, len(values)) + recs)
    crc = crc32c(after_crc)
    head = struct.pack(">iBI", -1, 2, crc)           # leader epoch, magic, crc
    blen = len(head) + len(after_crc)
    return struct.pack(">qi", 0, blen) + head + after_crc


def produce(b, topic, records, version=3, acks=-1):
    body = (kslib.string(None) + kslib.i16(acks) + kslib.i32(5000) + kslib.i32(1) + kslib.string(topic) +
            kslib.i32(1) + kslib.i32(0) + kslib.i32(len(records)) + records)
    c = kslib.Conn(b.port)
    c.send(kslib.request(0, version, body, corr=9))
    if acks == 0:
        c.close()
        return None
    r = kslib.Reader(c.recv_frame())
    c.close()
    assert r.i32() == 9
    assert r.i32() == 1
    r.string()
    assert r.i32() == 1
    part, err, base = r.i32(), r.i16(), r.i64()
    return err, base


def hw(b, topic):
    c = Consumer({"bootstrap.servers": b.addr, "group.id": "raw"})
    lo, hi = c.get_watermark_offsets(TopicPartition(topic, 0), timeout=5)
    c.close()
    return hi


def main(t):
    b = kslib.Broker(t, "raw", {"message.max.bytes": "100000"})
    admin = AdminClient({"bootstrap.servers": b.addr})
    admin.create_topics([NewTopic("raw", 1, 1)])["raw"].result(10)
    good = batch([b"one", b"two", b"three"])
    for v in (3, 7):
        err, base = produce(b, "raw", good, version=v)
        t.check(err == 0, "Produce v%d of a valid batch: no error, base offset %d" % (v, base))
    before = hw(b, "raw")
    t.check(before == 6, "high watermark 6 after two batches of 3 (%d)" % before)

    bad_crc = bytearray(good)
    bad_crc[-1] ^= 0x40
    long_len = bytearray(good)
    struct.pack_into(">i", long_len, 8, len(good))           # says more bytes than there are
    short_len = bytearray(good)
    struct.pack_into(">i", short_len, 8, 20)                 # below the header size
    magic1 = bytearray(good)
    magic1[16] = 1
    cases = [("bad CRC", bytes(bad_crc), 2), ("batchLength too long", bytes(long_len), 2),
             ("batchLength too short", bytes(short_len), 2), ("magic 1 in Produce v3", bytes(magic1), 87),
             ("trailing garbage", good + b"\x01\x02\x03", 2), ("second batch corrupt", good + bytes(bad_crc), 2),
             ("two valid batches in Produce v3+", good + good, 87)]
    for name, rec, want in cases:
        err, base = produce(b, "raw", rec)
        t.check(err == want and base == -1, "%s: error %d (want %d), base offset %d" % (name, err, want, base))
    err, base = produce(b, "raw", b"")
    t.check(err == 87, "empty records: INVALID_RECORD (%d)" % err)
    t.check(hw(b, "raw") == before, "nothing stored by the refused batches (high watermark %d)" % hw(b, "raw"))

    err, _ = produce(b, "raw", good, acks=2)
    t.check(err == 21, "acks=2: INVALID_REQUIRED_ACKS (%d)" % err)
    big = batch([b"x" * 150000])
    err, _ = produce(b, "raw", big)
    t.check(err == 10, "a batch over max.message.bytes: MESSAGE_TOO_LARGE (%d)" % err)
    err, _ = produce(b, "no-such-topic-raw", good)
    t.check(err in (3,), "unknown topic: UNKNOWN_TOPIC_OR_PARTITION (%d)" % err)

    c = Consumer({"bootstrap.servers": b.addr, "group.id": "raw-read", "auto.offset.reset": "earliest"})
    c.assign([TopicPartition("raw", 0, 0)])
    got = []
    import time
    end = time.time() + 10
    while len(got) < 6 and time.time() < end:
        m = c.poll(0.5)
        if m is not None and not m.error():
            got.append((m.offset(), m.value()))
    c.close()
    t.check(got == [(i, v) for i, v in enumerate([b"one", b"two", b"three"] * 2)],
            "a consumer reads exactly the two valid batches (%s)" % got)
    b.stop()


if __name__ == "__main__":
    kslib.Test("produce_raw", timeout=60).run(main)

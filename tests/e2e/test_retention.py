#!/usr/bin/python3
"""Retention deletes what it should and nothing more.

- retention.ms: segments written before the limit go, the newest segment
  always stays, the log start offset moves to the first kept segment and a
  consumer from the beginning starts there with every later message intact;
- retention.bytes: the oldest segments go while the rest still holds at
  least retention.bytes;
- DeleteRecords: the low watermark moves, segments wholly below it go, the
  one holding it stays;
- DeleteTopics: the topic's objects go from the object store.
"""
import glob
import os
import struct
import sys
import time

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import kslib  # noqa: E402

from confluent_kafka import Consumer, Producer, TopicPartition  # noqa: E402
from confluent_kafka.admin import AdminClient, NewTopic  # noqa: E402

ROUND = 100          # messages per produce round = one segment


def seg_bases(b, topic, part=0):
    d = os.path.join(b.data_dir, "objects", "default", topic, str(part))
    out = []
    for f in glob.glob(os.path.join(d, "segment-*.kfs")):
        out.append((int(os.path.basename(f)[8:28]), os.path.getsize(f)))
    return sorted(out)


def produce_rounds(b, topic, rounds, start, size=64):
    p = Producer({"bootstrap.servers": b.addr, "acks": "all", "linger.ms": 1})
    for r in range(rounds):
        for i in range(ROUND):
            n = start + r * ROUND + i
            p.produce(topic, value=(b"%08d" % n) * (size // 8), partition=0)
        # every round acknowledged before the next: one flush cycle each
        if p.flush(10) != 0:
            raise kslib.Failure("produce to %s did not complete" % topic)
        time.sleep(0.05)


def consume_all(b, topic, expect):
    c = Consumer({"bootstrap.servers": b.addr, "group.id": "ret-" + topic,
                  "auto.offset.reset": "earliest", "enable.auto.commit": False})
    c.assign([TopicPartition(topic, 0, 0)])
    got = []
    deadline = time.time() + 15
    while len(got) < expect and time.time() < deadline:
        m = c.poll(0.5)
        if m is None or m.error():
            continue
        got.append((m.offset(), m.value()))
    c.close()
    return got


def watermarks(b, topic):
    c = Consumer({"bootstrap.servers": b.addr, "group.id": "wm"})
    lo, hi = c.get_watermark_offsets(TopicPartition(topic, 0), timeout=5)
    c.close()
    return lo, hi


def delete_records(b, topic, offset):
    body = (kslib.i32(1) + kslib.string(topic) + kslib.i32(1) + kslib.i32(0) +
            kslib.i64(offset) + kslib.i32(5000))
    conn = kslib.Conn(b.port)
    conn.send(kslib.request(21, 0, body, corr=7))
    r = kslib.Reader(conn.recv_frame())
    corr = r.i32()
    r.i32()                                   # throttle
    assert r.i32() == 1
    name = r.string()
    assert r.i32() == 1
    part, low, err = r.i32(), r.i64(), r.i16()
    conn.close()
    return corr, name, part, low, err


def main(t):
    b = kslib.Broker(t, "ret", {"retention.check.interval.ms": "300",
                                "flush.interval.ms": "10"})
    admin = AdminClient({"bootstrap.servers": b.addr})
    fs = admin.create_topics([
        NewTopic("ret-time", 1, 1, config={"retention.ms": "3000"}),
        NewTopic("ret-bytes", 1, 1, config={"retention.bytes": "20000"}),
        NewTopic("ret-dr", 1, 1),
    ])
    for f in fs.values():
        f.result(10)

    # --- retention.ms ---
    produce_rounds(b, "ret-time", 4, 0)
    old = seg_bases(b, "ret-time")
    t.check(len(old) >= 4, "ret-time: one segment per round (%d segments)" % len(old))
    time.sleep(3.5)
    produce_rounds(b, "ret-time", 2, 4 * ROUND)
    kslib.wait_until(lambda: seg_bases(b, "ret-time")[0][0] >= 4 * ROUND, 5)
    segs = seg_bases(b, "ret-time")
    t.check(segs and segs[0][0] == 4 * ROUND,
            "ret-time: segments older than retention.ms deleted, newer kept (bases %s)" % [s[0] for s in segs])
    t.check(len(segs) >= 2, "ret-time: the young segments stay (%d)" % len(segs))
    lo, hi = watermarks(b, "ret-time")
    t.check((lo, hi) == (4 * ROUND, 6 * ROUND), "ret-time: watermarks (%d, %d) == (400, 600)" % (lo, hi))
    got = consume_all(b, "ret-time", 2 * ROUND)
    t.check([o for o, _ in got] == list(range(4 * ROUND, 6 * ROUND)),
            "ret-time: a consumer from the beginning reads 400..599 (%d messages, first %s)"
            % (len(got), got[0][0] if got else None))
    t.check(all(v.startswith(b"%08d" % o) for o, v in got), "ret-time: the kept messages are intact")

    # --- retention.bytes ---
    produce_rounds(b, "ret-bytes", 8, 0, size=64)
    time.sleep(1.5)
    segs = seg_bases(b, "ret-bytes")
    total = sum(s for _, s in segs)
    t.check(len(segs) < 8, "ret-bytes: old segments deleted (%d of 8 left, %d bytes)" % (len(segs), total))
    t.check(total - segs[0][1] < 20000 or len(segs) == 1,
            "ret-bytes: what is left minus its oldest segment is below retention.bytes")
    t.check(total >= 20000 or len(segs) == 1,
            "ret-bytes: nothing more than needed deleted (%d bytes kept >= 20000)" % total)
    lo, hi = watermarks(b, "ret-bytes")
    t.check(lo == segs[0][0] and hi == 8 * ROUND,
            "ret-bytes: log start %d == first kept segment %d, end %d" % (lo, segs[0][0], hi))

    # --- DeleteRecords ---
    produce_rounds(b, "ret-dr", 5, 0)
    before = seg_bases(b, "ret-dr")
    corr, name, part, low, err = delete_records(b, "ret-dr", 250)
    t.check((corr, name, part, low, err) == (7, "ret-dr", 0, 250, 0),
            "DeleteRecords answered low watermark 250 without error (%s)" % ((corr, name, part, low, err),))
    lo, hi = watermarks(b, "ret-dr")
    t.check((lo, hi) == (250, 500), "ret-dr: watermarks (%d, %d) == (250, 500)" % (lo, hi))
    holder = max(base for base, _ in before if base <= 250)
    kslib.wait_until(lambda: seg_bases(b, "ret-dr")[0][0] >= holder, 5)
    segs = seg_bases(b, "ret-dr")
    t.check([s[0] for s in segs] == [base for base, _ in before if base >= holder],
            "ret-dr: segments wholly below 250 deleted, the one holding 250 (base %d) and later kept "
            "(before %s, after %s)" % (holder, [s[0] for s in before], [s[0] for s in segs]))
    got = consume_all(b, "ret-dr", 250)
    t.check([o for o, _ in got] == list(range(250, 500)),
            "ret-dr: consumer from the beginning reads 250..499 (%d)" % len(got))
    corr, name, part, low, err = delete_records(b, "ret-dr", 501)
    t.check(err == 1, "DeleteRecords beyond the high watermark: OFFSET_OUT_OF_RANGE (%d)" % err)

    # --- DeleteTopics removes the objects ---
    topic_dir = os.path.join(b.data_dir, "objects", "default", "ret-time")
    t.check(os.path.isdir(topic_dir) and seg_bases(b, "ret-time"), "ret-time has objects before deletion")
    admin.delete_topics(["ret-time"])["ret-time"].result(10)
    gone = kslib.wait_until(lambda: not glob.glob(os.path.join(topic_dir, "*", "*")), 10)
    t.check(gone, "DeleteTopics removed every object of the topic")
    b.stop()


if __name__ == "__main__":
    kslib.Test("retention", timeout=90).run(main)

#!/usr/bin/python3
"""Fetch at the protocol level: long-poll wake-up (a consumer waiting at the
end gets a new message within flush.interval.ms + 100 ms), max_wait_ms
honoured when nothing comes (~500 ms), Fetch v0 returns a magic-0 message
set and v2 a magic-1 one (offsets, keys, values, CRC-32), a fetch naming a
session gets FETCH_SESSION_ID_NOT_FOUND, OFFSET_OUT_OF_RANGE past the end,
an empty answer exactly at the end, UNKNOWN_TOPIC_OR_PARTITION, and
OffsetForLeaderEpoch / ListOffsets v0 answers."""
import os
import sys
import threading
import time
import zlib

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import kslib  # noqa: E402
from kslib import i8, i32, i64, string, array, request, Reader, uvarint, compact_string  # noqa: E402

from confluent_kafka import Producer, Consumer, TopicPartition  # noqa: E402
from confluent_kafka.admin import AdminClient, NewTopic  # noqa: E402

TOPIC = "fetch-raw"
FLUSH_MS = 50


def create_topic(b, name, nparts, timeout=15):
    """CreateTopics, retried while the broker is still starting up."""
    a = AdminClient({"bootstrap.servers": b.addr})
    end = time.monotonic() + timeout
    while True:
        try:
            a.create_topics([NewTopic(name, nparts, 1)])[name].result(timeout)
            return
        except Exception as e:                 # noqa: BLE001
            if "TOPIC_ALREADY_EXISTS" in str(e):
                return
            if time.monotonic() > end:
                raise
            time.sleep(0.2)


def fetch_body(version, parts, max_wait=0, min_bytes=0, session=(0, -1)):
    """parts: [(topic, partition, offset, max_bytes)] (non-flexible v0..v11)."""
    body = i32(-1) + i32(max_wait) + i32(min_bytes)
    if version >= 3:
        body += i32(10 << 20)
    if version >= 4:
        body += i8(0)
    if version >= 7:
        body += i32(session[0]) + i32(session[1])
    by_topic = {}
    for (tp, p, off, mb) in parts:
        by_topic.setdefault(tp, []).append((p, off, mb))

    def enc_part(x):
        p, off, mb = x
        s = i32(p)
        if version >= 9:
            s += i32(-1)
        s += i64(off)
        if version >= 5:
            s += i64(-1)
        return s + i32(mb)
    body += array(list(by_topic.items()), lambda kv: string(kv[0]) + array(kv[1], enc_part))
    if version >= 7:
        body += array([], None)
    if version >= 11:
        body += string("")
    return body


def parse_fetch(version, frame):
    r = Reader(frame)
    r.i32()                                   # correlation id
    top = {"error": 0, "parts": {}}
    if version >= 1:
        r.i32()
    if version >= 7:
        top["error"] = r.i16()
        top["session"] = r.i32()
    for _ in range(r.i32()):
        tname = r.string()
        for _ in range(r.i32()):
            p = r.i32()
            err = r.i16()
            hw = r.i64()
            if version >= 4:
                r.i64()
                if version >= 5:
                    r.i64()
                na = r.i32()
                for _ in range(max(na, 0)):
                    r.i64(), r.i64()
            if version >= 11:
                r.i32()
            n = r.i32()
            recs = r.take(n) if n > 0 else b""
            top["parts"][(tname, p)] = (err, hw, recs)
    return top


def do_fetch(port, version, parts, **kw):
    c = kslib.Conn(port, timeout=10)
    c.send(request(1, version, fetch_body(version, parts, **kw), corr=11))
    f = c.recv_frame(timeout=10)
    c.close()
    return parse_fetch(version, f)


def parse_msgset(b):
    """[(offset, magic, timestamp, key, value)] of a legacy message set;
    checks each CRC-32."""
    out = []
    r = Reader(b)
    while r.remaining() >= 12:
        off = r.i64()
        size = r.i32()
        if r.remaining() < size:
            break
        m = r.take(size)
        crc = int.from_bytes(m[0:4], "big")
        if zlib.crc32(m[4:]) & 0xffffffff != crc:
            raise kslib.Failure("bad crc in message at offset %d" % off)
        mr = Reader(m[4:])
        magic = mr.i8()
        mr.i8()
        ts = mr.i64() if magic == 1 else None
        kl = mr.i32()
        key = mr.take(kl) if kl >= 0 else None
        vl = mr.i32()
        val = mr.take(vl) if vl >= 0 else None
        out.append((off, magic, ts, key, val))
    return out


def main(t):
    b = kslib.Broker(t, "b1", {"flush.interval.ms": str(FLUSH_MS)})
    create_topic(b, TOPIC, 2)
    pr = Producer({"bootstrap.servers": b.addr, "linger.ms": 0, "acks": "all"})
    for i in range(10):
        pr.produce(TOPIC, value=b"value-%d" % i, key=b"k%d" % i, partition=0,
                   timestamp=1600000000000 + i)
    t.check(pr.flush(10) == 0, "10 messages produced to partition 0")

    # Fetch v0: magic 0; v2: magic 1 with timestamps; from offset 3
    for v, magic in ((0, 0), (1, 0), (2, 1), (3, 1)):
        res = do_fetch(b.port, v, [(TOPIC, 0, 3, 1 << 20)])
        err, hw, recs = res["parts"][(TOPIC, 0)]
        msgs = parse_msgset(recs)
        t.check(err == 0 and hw == 10, "fetch v%d: error %d, high watermark %d" % (v, err, hw))
        want = [(o, magic, (1600000000000 + o) if magic == 1 else None, b"k%d" % o, b"value-%d" % o)
                for o in range(3, 10)]
        t.check(msgs == want, "fetch v%d: magic-%d message set, offsets 3..9, keys and values (%s)"
                % (v, magic, msgs[:2]))

    # Fetch v4: record batches (magic byte at 16 is 2)
    res = do_fetch(b.port, 4, [(TOPIC, 0, 0, 1 << 20)])
    err, hw, recs = res["parts"][(TOPIC, 0)]
    t.check(err == 0 and len(recs) > 61 and recs[16] == 2, "fetch v4: record batches")

    # sessions
    res = do_fetch(b.port, 7, [(TOPIC, 0, 0, 1 << 20)], session=(1234, 1))
    t.check(res["error"] == 70, "fetch v7 naming session 1234: error %d (want 70)" % res["error"])
    res = do_fetch(b.port, 7, [(TOPIC, 0, 0, 1 << 20)], session=(0, -1))
    t.check(res["error"] == 0 and res["session"] == 0, "fetch v7 without a session: session id 0")

    # errors and the end of the log
    res = do_fetch(b.port, 4, [(TOPIC, 0, 11, 1 << 20), (TOPIC, 0, 10, 1 << 20),
                               (TOPIC, 7, 0, 1 << 20), ("no-such-topic", 0, 0, 1 << 20)])
    p = res["parts"]
    t.check(p[(TOPIC, 7)][0] == 3 and p[("no-such-topic", 0)][0] == 3,
            "unknown partition / topic: UNKNOWN_TOPIC_OR_PARTITION")
    res = do_fetch(b.port, 4, [(TOPIC, 0, 11, 1 << 20)])
    t.check(res["parts"][(TOPIC, 0)][0] == 1, "offset past the end: OFFSET_OUT_OF_RANGE (%d)"
            % res["parts"][(TOPIC, 0)][0])
    res = do_fetch(b.port, 4, [(TOPIC, 0, 10, 1 << 20)])
    t.check(res["parts"][(TOPIC, 0)][:2] == (0, 10) and res["parts"][(TOPIC, 0)][2] == b"",
            "offset == high watermark: empty, no error")

    # max_wait_ms honoured with nothing new
    t0 = time.monotonic()
    res = do_fetch(b.port, 4, [(TOPIC, 1, 0, 1 << 20)], max_wait=500, min_bytes=1)
    dt = (time.monotonic() - t0) * 1000
    t.check(450 <= dt <= 1000 and res["parts"][(TOPIC, 1)][2] == b"",
            "fetch with max_wait_ms=500 and nothing to read answered after %.0f ms" % dt)

    # long-poll wake-up: a fetch waiting at the end returns soon after a produce
    lat = []
    for i in range(5):
        out = {}

        def waiter():
            out["res"] = do_fetch(b.port, 4, [(TOPIC, 1, i, 1 << 20)], max_wait=10000, min_bytes=1)
            out["t"] = time.monotonic()
        th = threading.Thread(target=waiter)
        th.start()
        time.sleep(0.3)
        t0 = time.monotonic()
        pr.produce(TOPIC, value=b"late-%d" % i, partition=1)
        pr.flush(10)
        th.join(12)
        if "t" in out and out["res"]["parts"][(TOPIC, 1)][2]:
            lat.append((out["t"] - t0) * 1000)
    t.check(len(lat) == 5 and max(lat) < FLUSH_MS + 100,
            "waiting fetches woken by new data: latencies %s ms (limit %d)"
            % ([round(x) for x in lat], FLUSH_MS + 100))

    # the same through librdkafka: a consumer at the end
    c = Consumer({"bootstrap.servers": b.addr, "group.id": "ks-raw", "fetch.wait.max.ms": 5000,
                  "enable.auto.commit": False})
    c.assign([TopicPartition(TOPIC, 1, 5)])
    c.poll(1.0)
    t0 = time.monotonic()
    pr.produce(TOPIC, value=b"for-the-consumer", partition=1)
    pr.flush(10)
    m = None
    while time.monotonic() - t0 < 5:
        m = c.poll(0.05)
        if m is not None and m.error() is None:
            break
    dt = (time.monotonic() - t0) * 1000
    t.check(m is not None and m.value() == b"for-the-consumer" and dt < FLUSH_MS + 300,
            "librdkafka consumer at the end (fetch.wait.max.ms=5000) got a new message in %.0f ms" % dt)
    c.close()

    # OffsetForLeaderEpoch v3 (current epoch -1, asked epoch 0): end offset = hw
    body = i32(-1) + array([TOPIC], lambda tp: string(tp) + array([0], lambda p: i32(p) + i32(-1) + i32(0)))
    cn = kslib.Conn(b.port)
    cn.send(request(23, 3, body, corr=5))
    r = Reader(cn.recv_frame())
    r.i32(), r.i32()
    r.i32()
    r.string()
    r.i32()
    err, part, epoch, end = r.i16(), r.i32(), r.i32(), r.i64()
    t.check(err == 0 and part == 0 and end == 10, "OffsetForLeaderEpoch v3: error %d end offset %d epoch %d"
            % (err, end, epoch))

    # ListOffsets v0: latest -> [10], earliest -> [0]
    for ts, want in ((-1, [10]), (-2, [0])):
        body = i32(-1) + array([TOPIC], lambda tp: string(tp) + array([0], lambda p: i32(p) + i64(ts) + i32(1)))
        cn.send(request(2, 0, body, corr=6))
        r = Reader(cn.recv_frame())
        r.i32(), r.i32()
        r.string()
        r.i32()
        part, err = r.i32(), r.i16()
        offs = [r.i64() for _ in range(r.i32())]
        t.check(err == 0 and offs == want, "ListOffsets v0 timestamp %d: %s (want %s)" % (ts, offs, want))

    # ListOffsets v7 (flexible): -3 = the record with the largest timestamp
    # (KIP-734), and a timestamp inside the batch
    for ts, want in ((-3, (9, 1600000000009)), (1600000000005, (5, 1600000000005)),
                     (1600000000099, (-1, -1))):
        body = (i32(-1) + i8(0) + uvarint(2) + compact_string(TOPIC) + uvarint(2) +
                i32(0) + i32(-1) + i64(ts) + uvarint(0) + uvarint(0) + uvarint(0))
        cn.send(request(2, 7, body, corr=8, header_version=2))
        r = Reader(cn.recv_frame())
        r.i32(), r.tagged(), r.i32()
        r.uvarint(), r.compact_string(), r.uvarint()
        part, err, gts, goff, ep = r.i32(), r.i16(), r.i64(), r.i64(), r.i32()
        t.check(err == 0 and (goff, gts) == want, "ListOffsets v7 timestamp %d: offset %d timestamp %d "
                "(want %s)" % (ts, goff, gts, want))
    cn.close()
    b.stop()


if __name__ == "__main__":
    kslib.Test("fetch_raw").run(main)

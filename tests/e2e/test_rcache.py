#!/usr/bin/python3
"""The shared read cache: a segment chunk is fetched once per broker, not
once per worker.

Produce ~12 MiB to one partition (several segments), restart the broker (a
new, empty ring: the data now only exists in the object store), then have
two consumers on two connections opened at once (the master gives each to
the least-loaded worker, so with workers=2 they land on different workers)
read the partition from the beginning at the same time, with raw Fetch v4
requests.  Both must get every record, in order, byte for byte.

Counting object-store reads: segcache logs one debug line per GET it
issues ("reading KEY from the object store (position P, ...)"), read-ahead
and retried reads included, and nothing else issues GETs of .kfs objects
in a worker, so the lines of the run are the GETs.  Done twice on the same
data: read.cache.bytes=0 (per-worker caches only: each worker fetches each
chunk) and the default 256m (each chunk fetched about once per broker; the
other worker is served from shared memory: "from the shared read cache"
lines, or waits for the loading worker: "waiting for another worker").
"""
import collections
import os
import re
import sys
import threading
import time

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import kslib  # noqa: E402
import checklib  # noqa: E402

from confluent_kafka import Producer  # noqa: E402
from test_fetch_raw import create_topic, fetch_body, parse_fetch  # noqa: E402

TOPIC = "rcache"
N = 3000
SIZE = 4000


def value(i):
    return (("%08d:" % i) * (SIZE // 9 + 1)).encode()[:SIZE - (i % 7) * 100]


def produce(b, t):
    pr = Producer({"bootstrap.servers": b.addr, "linger.ms": 20, "acks": "all",
                   "compression.type": "none", "batch.num.messages": 50})
    errors = []

    def cb(err, m):
        if err is not None:
            errors.append(err)
    for i in range(N):
        pr.produce(TOPIC, value=value(i), key=b"k%d" % i, partition=0, on_delivery=cb)
        if i % 200 == 0:
            pr.poll(0)
            pr.flush(10)          # several flush cycles: several segments
    left = pr.flush(30)
    t.check(left == 0 and not errors, "produced %d messages (left %d, errors %s)"
            % (N, left, errors[:3]))


def consume(conn, out, name):
    """Reads partition 0 from offset 0 to N with Fetch v4 on conn."""
    off = 0
    corr = 100
    got = []
    err = None
    try:
        end = time.monotonic() + 30
        while off < N and time.monotonic() < end:
            corr += 1
            conn.send(kslib.request(1, 4, fetch_body(4, [(TOPIC, 0, off, 1 << 20)], max_wait=200,
                                                     min_bytes=1), corr=corr))
            resp = parse_fetch(4, conn.recv_frame(timeout=15))
            e, hw, recs = resp["parts"][(TOPIC, 0)]
            if e != 0:
                raise kslib.Failure("%s: fetch at %d: error %d" % (name, off, e))
            o = 0
            while o < len(recs):
                try:
                    h = checklib.parse_batch_header(recs, o)
                except ValueError:
                    break                     # a partial batch at the end
                if not h["crc_ok"]:
                    raise kslib.Failure("%s: batch crc at offset %d" % (name, h["base"]))
                for (ro, k, _hs, v) in checklib.batch_records(recs, h):
                    if ro >= off:
                        got.append((ro, k, v))
                        off = ro + 1
                o = h["end"]
    except Exception as ex:                    # noqa: BLE001
        err = ex
    out[name] = (got, err)


def read_twice(t, b, what):
    """Two consumers on two connections at once; returns the log since start."""
    ca = kslib.Conn(b.port, timeout=15)
    cb = kslib.Conn(b.port, timeout=15)
    out = {}
    ths = [threading.Thread(target=consume, args=(ca, out, "A")),
           threading.Thread(target=consume, args=(cb, out, "B"))]
    t0 = time.monotonic()
    for th in ths:
        th.start()
    for th in ths:
        th.join(40)
    kslib.log("%s: both consumers done in %.2f s" % (what, time.monotonic() - t0))
    want = [(i, b"k%d" % i, value(i)) for i in range(N)]
    for name in ("A", "B"):
        got, err = out.get(name, ([], "did not finish"))
        bad = next((i for i in range(min(len(got), N)) if got[i] != want[i]), None)
        t.check(err is None and got == want,
                "%s: consumer %s got all %d records byte for byte (got %d, first difference "
                "at %s, error %s)" % (what, name, N, len(got), bad, err))
    ca.close()
    cb.close()
    time.sleep(0.3)               # read-ahead still in flight gets logged
    return b.log_text(since_start=True)


GET_RX = re.compile(r"worker\[(\d+)\] reading (\S+/segment-\d{20}\.kfs) from the object store "
                    r"\(position (\d+)")
HIT_RX = re.compile(r"worker\[(\d+)\] read \S+\.kfs at \d+ from the shared read cache")
WAIT_RX = re.compile(r"worker\[(\d+)\] waiting for another worker reading \S+\.kfs")
SERVE_RX = re.compile(r"worker\[(\d+)\] (reading|read) \S+\.kfs")


def count(text):
    gets = collections.Counter()
    workers = set()
    for line in text.splitlines():
        m = GET_RX.search(line)
        if m:
            gets[(m.group(2), int(m.group(3)))] += 1
        m = SERVE_RX.search(line)
        if m:
            workers.add(m.group(1))
    hits = sum(1 for line in text.splitlines() if HIT_RX.search(line))
    waits = sum(1 for line in text.splitlines() if WAIT_RX.search(line))
    return gets, hits, waits, workers


def main(t):
    b = kslib.Broker(t, "b1", {"num.partitions": "1", "flush.bytes": "2m"})
    create_topic(b, TOPIC, 1)
    produce(b, t)
    b.stop()

    # Without the shared cache: each worker reads every chunk itself.
    b.opts["read.cache.bytes"] = "0"
    b.start()
    gets0, hits0, _, workers0 = count(read_twice(t, b, "read.cache.bytes=0"))
    b.stop()

    # With it (the default): once per broker.
    del b.opts["read.cache.bytes"]
    b.start()
    gets1, hits1, waits1, workers1 = count(read_twice(t, b, "read.cache.bytes=256m"))
    b.stop()

    n0, n1 = sum(gets0.values()), sum(gets1.values())
    chunks = len(gets1)
    twice = sum(1 for v in gets1.values() if v > 1)
    kslib.log("object-store GETs of segment data: %d without the shared cache (%d distinct "
              "chunks), %d with it (%d distinct chunks, %d fetched more than once); "
              "%d shared-cache hits, %d waits for another worker's read"
              % (n0, len(gets0), n1, chunks, twice, hits1, waits1))
    t.check(workers0 == {"1", "2"} and workers1 == {"1", "2"},
            "the two consumers were served by both workers (%s, %s)"
            % (sorted(workers0), sorted(workers1)))
    t.check(chunks >= 4, "the partition was read in several chunks (%d)" % chunks)
    t.check(n0 >= 1.6 * len(gets0),
            "without the shared cache both workers fetched the chunks (%d GETs, %d chunks)"
            % (n0, len(gets0)))
    t.check(n1 <= chunks + max(1, chunks // 10),
            "with the shared cache each chunk was fetched about once (%d GETs, %d chunks)"
            % (n1, chunks))
    t.check(hits1 > 0, "the other worker was served from the shared read cache (%d hits)" % hits1)
    t.check(n1 * 1.5 <= n0, "the shared cache cut object-store GETs (%d -> %d)" % (n0, n1))


kslib.Test("rcache", timeout=110).run(main)

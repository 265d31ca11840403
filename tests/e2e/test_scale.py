#!/usr/bin/python3
"""Scale (issue 8, limits): 10,000 partitions and 5,000 connections.

- 100 topics x 100 partitions created with the admin API (confluent-kafka
  CreateTopics, 10 topics a request); the time of every batch is printed,
  and the whole creation must finish within CREATE_LIMIT s.
- Metadata for all topics lists the 10,000 partitions.
- one message produced (acks=all) to every STEP-th partition of every topic,
  each read back at offset 0 by a consumer assigned to those partitions.
- 5,000 connections open at once (RLIMIT_NOFILE raised,
  max.connections.per.ip=0), each answered on ApiVersions; kcat -L still
  answers quickly; a produce/consume round trip still works.
- VmRSS and VmHWM of every kafscaled process printed, and each bounded:

      ring.bytes (the shared segment ring; every process may map and touch
      all of it, and VmRSS counts those shared pages)
    + 48 MiB base (code, libraries, libevent/libcurl, the shared read cache
      and stats pages touched)
    + 2 KiB per partition (metadata view, producer/fetch state per partition)
    + 24 KiB per connection for a worker (socket buffers are kernel memory;
      this is the connection struct, read and write buffers, libevent)

  With ring.bytes=64m, 10,000 partitions and 5,000 connections shared by 2
  workers that is 64 + 48 + 20 = 132 MiB for the master, the coordinator
  and the flusher, and 132 + 5,000 x 24 KiB = 249 MiB for each worker (the
  bound does not assume the connections are evenly spread).  Under the
  sanitizers (ASAN_OPTIONS set, as scripts/ci-asan.sh does) the RSS is
  printed but not bounded (shadow memory) and the time limits are x4.

Measured here (2 CPUs): creation 9.7 s, each batch of 10 topics slower
than the one before (0.13 s for the first, 2.6 s for the tenth): the
coordinator's reconcile() looks every partition's owner up in a cJSON
object, a linked list (workers/coordinator/cluster.c owner_of/set_owner),
so each pass is quadratic in the partition count.  VmHWM: master 16 MB,
coordinator 18 MB, flusher 8 MB, workers 12 MB."""
import os
import resource
import subprocess
import sys
import time

sys.dont_write_bytecode = True   # no __pycache__ in the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import kslib  # noqa: E402

try:
    from confluent_kafka import Consumer, Producer, TopicPartition
    from confluent_kafka.admin import AdminClient, NewTopic
except ImportError:
    print("SKIP: python3-confluent-kafka not installed (/usr/bin/python3)")
    sys.exit(77)

TOPICS, PARTS = 100, 100
STEP = 10                 # produce to partitions 0, 10, 20, ... of every topic
CONNS = 5000
SANITIZED = bool(os.environ.get("ASAN_OPTIONS") or os.environ.get("UBSAN_OPTIONS"))
CREATE_LIMIT = 30.0 * (4 if SANITIZED else 1)
RING_MIB = 64
KiB, MiB = 1024, 1 << 20


def status_kb(pid, key):
    try:
        with open("/proc/%d/status" % pid) as f:
            for line in f:
                if line.startswith(key + ":"):
                    return int(line.split()[1])
    except OSError:
        pass
    return -1


def procs(b):
    return [(b.pid, "kafscaled: master")] + [(p, kslib.title(p) or a) for p, a in kslib.children(b.pid)]


def create_topics(t, b):
    admin = AdminClient({"bootstrap.servers": b.addr})
    names = ["scale-%03d" % i for i in range(TOPICS)]
    t0 = time.monotonic()
    slow = []
    for i in range(0, TOPICS, 10):
        b0 = time.monotonic()
        fs = admin.create_topics([NewTopic(n, PARTS, 1) for n in names[i:i + 10]],
                                 operation_timeout=30, request_timeout=40)
        errs = []
        for n, f in fs.items():
            try:
                f.result(timeout=45)
            except Exception as e:   # noqa: BLE001
                errs.append("%s: %s" % (n, e))
        if errs:
            t.fail("CreateTopics batch %d: %s" % (i // 10, "; ".join(errs[:3])))
        slow.append(time.monotonic() - b0)
        if time.monotonic() - t0 > CREATE_LIMIT:
            break
    dt = time.monotonic() - t0
    print("create: %d topics x %d partitions in %.2f s (batches of 10: %s s)"
          % (TOPICS, PARTS, dt, " ".join("%.2f" % x for x in slow)))
    t.check(dt < CREATE_LIMIT and len(slow) == TOPICS // 10,
            "%d partitions created in %.1f s (limit %.0f s)" % (TOPICS * PARTS, dt, CREATE_LIMIT))
    t0 = time.monotonic()
    md = admin.list_topics(timeout=20)
    n = sum(len(md.topics[x].partitions) for x in names if x in md.topics)
    t.check(n == TOPICS * PARTS, "Metadata lists %d of %d partitions (%.2f s)"
            % (n, TOPICS * PARTS, time.monotonic() - t0))
    return names


def produce_consume(t, b, names, tag):
    tps = [(n, p) for n in names for p in range(0, PARTS, STEP)]
    prod = Producer({"bootstrap.servers": b.addr, "acks": "all", "linger.ms": 20,
                     "message.timeout.ms": 30000})
    acked, errs = {}, []

    def dr(err, msg):
        if err is not None:
            errs.append(str(err))
        else:
            acked[(msg.topic(), msg.partition())] = msg.offset()
    t0 = time.monotonic()
    for n, p in tps:
        prod.produce(n, value=("%s-%s-%d" % (tag, n, p)).encode(), partition=p, on_delivery=dr)
        prod.poll(0)
    left = prod.flush(30)
    dt = time.monotonic() - t0
    t.check(left == 0 and not errs and len(acked) == len(tps),
            "%s: %d messages to %d partitions acknowledged in %.2f s (%d errors: %s)"
            % (tag, len(acked), len(tps), dt, len(errs), errs[:2]))
    c = Consumer({"bootstrap.servers": b.addr, "group.id": "scale-%s" % tag,
                  "enable.auto.commit": False, "fetch.wait.max.ms": 50})
    c.assign([TopicPartition(n, p, acked.get((n, p), 0)) for n, p in tps])
    seen = {}
    t0 = time.monotonic()
    while len(seen) < len(tps) and time.monotonic() - t0 < 30:
        for m in c.consume(1000, 0.5):
            if m.error() is None:
                seen[(m.topic(), m.partition())] = (m.offset(), m.value())
    c.close()
    bad = [(k, v) for k, v in seen.items()
           if v != (acked.get(k), ("%s-%s-%d" % (tag, k[0], k[1])).encode())]
    t.check(len(seen) == len(tps) and not bad,
            "%s: all %d read back at their offsets in %.2f s (%d missing, %d wrong: %s)"
            % (tag, len(tps), time.monotonic() - t0, len(tps) - len(seen), len(bad), bad[:2]))


def open_conns(t, b):
    t0 = time.monotonic()
    conns, ok = kslib.open_answered(b.port, CONNS)
    t.check(ok == CONNS, "%d connections open and answered: %d ok in %.1f s"
            % (CONNS, ok, time.monotonic() - t0))
    return conns


def main(t):
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    want = min(hard, 2 * CONNS + 1000)
    if soft < want:
        resource.setrlimit(resource.RLIMIT_NOFILE, (want, hard))   # the broker inherits it
    if want < CONNS + 500:
        print("SKIP: RLIMIT_NOFILE hard limit %d too low for %d connections" % (hard, CONNS))
        sys.exit(77)
    t_all = time.monotonic()
    b = kslib.Broker(t, "scale", {"max.connections.per.ip": "0", "max.connections": str(2 * CONNS),
                                  "ring.bytes": "%dm" % RING_MIB, "log.level": "info"})
    names = create_topics(t, b)
    produce_consume(t, b, names, "first")
    conns = open_conns(t, b)
    r0 = time.monotonic()
    r = subprocess.run(["kcat", "-L", "-b", b.addr, "-m", "10"], stdout=subprocess.PIPE,
                       stderr=subprocess.DEVNULL, timeout=15)
    listed = r.stdout.count(b"partition ")
    t.check(r.returncode == 0 and listed == TOPICS * PARTS,
            "kcat -L with %d connections open: rc %d, %d partitions in %.2f s"
            % (CONNS, r.returncode, listed, time.monotonic() - r0))
    produce_consume(t, b, names, "second")
    time.sleep(0.3)
    parts = TOPICS * PARTS
    base = (RING_MIB * MiB + 48 * MiB + parts * 2 * KiB) // KiB
    print("%-8s %-26s %10s %10s %10s" % ("pid", "process", "VmRSS kB", "VmHWM kB", "bound kB"))
    for p, tt in procs(b):
        rss, hwm = status_kb(p, "VmRSS"), status_kb(p, "VmHWM")
        bound = base + (CONNS * 24 if "worker" in tt else 0)
        print("%-8d %-26s %10d %10d %10d" % (p, tt, rss, hwm, bound))
        if not SANITIZED:
            t.check(0 < hwm <= bound, "%s (pid %d): VmHWM %d kB within %d kB" % (tt, p, hwm, bound))
    for s in conns:
        s.close()
    b.stop()
    print("scale test in %.1f s" % (time.monotonic() - t_all))


if __name__ == "__main__":
    kslib.Test("scale", timeout=240 if SANITIZED else 120).run(main)

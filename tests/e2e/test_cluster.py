#!/usr/bin/python3
"""Three brokers on one real etcd and one bucket (s3rver behind the
Signature V4 verifying proxy).

- every broker lists the three brokers; a 6-partition topic's leaders are
  spread two per broker, and every broker reports the same leaders;
- an idempotent producer writes through the three brokers;
- a broker stopped with SIGTERM hands its partitions over cleanly: the new
  owners continue at the very next offset;
- a broker killed with kill -9 loses its partitions once its lease expires;
  the others take them (after a gap of offsets the old owner could still
  have been writing) and the producer goes on;
- a consumer group reads the topic while the broker dies;
- afterwards every acknowledged message is there exactly once, every
  message reached the group, no two brokers ever held the same partition in
  the same leader epoch (from the brokers' logs), and a restarted broker
  gets its share of partitions back.
"""
import os
import signal
import subprocess
import sys
import time

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import kslib  # noqa: E402

from confluent_kafka import Consumer, Producer, TopicPartition  # noqa: E402
from confluent_kafka.admin import AdminClient, NewTopic  # noqa: E402

TOPIC = "cluster"
NPART = 6

# A consumer group member (subprocess): writes every value it reads.
GROUP_READER = r'''
import signal, sys
from confluent_kafka import Consumer
addrs, topic, out = sys.argv[1:4]
stop = []
signal.signal(signal.SIGTERM, lambda s, f: stop.append(1))
c = Consumer({"bootstrap.servers": addrs, "group.id": "cluster-readers", "auto.offset.reset": "earliest",
              "session.timeout.ms": 6000})
c.subscribe([topic])
f = open(out, "a", buffering=1)
while not stop:
    m = c.poll(0.2)
    if m is not None and not m.error():
        f.write(m.value().decode() + "\n")
c.close()
'''


def leaders(port):
    c = AdminClient({"bootstrap.servers": "127.0.0.1:%d" % port})
    md = c.list_topics(TOPIC, timeout=5)
    t = md.topics.get(TOPIC)
    if t is None or t.error is not None:
        return None
    return {p: t.partitions[p].leader for p in t.partitions}, sorted(md.brokers)


def produce(addrs, start, n, acked):
    errors = []

    def dr(err, msg):
        if err is not None:
            errors.append(str(err))
        else:
            acked.append((msg.partition(), msg.offset(), msg.value()))
    p = Producer({"bootstrap.servers": addrs, "acks": "all", "enable.idempotence": True,
                  "linger.ms": 5, "message.timeout.ms": 60000})
    for i in range(start, start + n):
        p.produce(TOPIC, value=b"m%07d" % i, partition=i % NPART, on_delivery=dr)
        if i % 2000 == 0:
            p.poll(0)
    left = p.flush(60)
    return left, errors


def consume_all(port, expect):
    c = Consumer({"bootstrap.servers": "127.0.0.1:%d" % port, "group.id": "cluster-check",
                  "auto.offset.reset": "earliest", "enable.auto.commit": False})
    c.assign([TopicPartition(TOPIC, p, 0) for p in range(NPART)])
    got = []
    deadline = time.time() + 30
    while len(got) < expect and time.time() < deadline:
        m = c.poll(0.5)
        if m is None or m.error():
            continue
        got.append((m.partition(), m.offset(), m.value()))
    c.close()
    return got


def main(t):
    etcd = kslib.Etcd(t)
    s3 = kslib.S3(t)
    brokers = {}
    for i in (1, 2, 3):
        opts = {"broker.id": str(i), "metadata.store": "etcd", "etcd.endpoints": etcd.endpoint,
                "workers": "1", "log.level": "info", "group.initial.rebalance.delay.ms": "100"}
        opts.update(s3.broker_opts())
        brokers[i] = kslib.Broker(t, "b%d" % i, opts, start=False)
    for b in brokers.values():
        b.start()
    addrs = ",".join(b.addr for b in brokers.values())

    admin = AdminClient({"bootstrap.servers": brokers[1].addr})
    admin.create_topics([NewTopic(TOPIC, NPART, 1)])[TOPIC].result(15)

    def spread():
        views = [leaders(b.port) for b in brokers.values()]
        if any(v is None for v in views):
            return False
        lead, bs = views[0]
        return (all(v == views[0] for v in views) and bs == [1, 2, 3] and
                sorted(lead.values()) == [1, 1, 2, 2, 3, 3])
    t.check(kslib.wait_until(spread, 15), "three brokers listed everywhere; leaders two per broker, "
            "the same on every broker (%s)" % (leaders(brokers[1].port),))

    acked = []
    left, errs = produce(addrs, 0, 12000, acked)
    t.check(left == 0 and not errs and len(acked) == 12000,
            "idempotent producer through three brokers: 12000 acknowledged (%d, errors %s)"
            % (len(acked), errs[:3]))
    ends = {}
    for p, o, _ in acked:
        ends[p] = max(ends.get(p, -1), o)

    # --- clean handover ---
    lead_before = leaders(brokers[1].port)[0]
    moved = [p for p, b in lead_before.items() if b == 3]
    brokers[3].stop()
    t.check(kslib.wait_until(lambda: (leaders(brokers[1].port) or ({0: 3}, []))[0] and
                             3 not in leaders(brokers[1].port)[0].values(), 15),
            "broker 3's partitions %s taken by brokers 1 and 2 after its SIGTERM" % moved)
    before = len(acked)
    left, errs = produce(",".join(brokers[i].addr for i in (1, 2)), 12000, 6000, acked)
    t.check(left == 0 and not errs, "producing goes on after the handover (errors %s)" % errs[:3])
    for p in moved:
        first = min(o for q, o, _ in acked[before:] if q == p)
        t.check(first == ends[p] + 1, "partition %d continues at offset %d after a clean handover (got %d)"
                % (p, ends[p] + 1, first))

    # --- crash takeover, with a consumer group reading meanwhile ---
    group_out = os.path.join(t.tmp, "group.out")
    reader = subprocess.Popen(["/usr/bin/python3", "-c", GROUP_READER, addrs, TOPIC, group_out],
                              stdin=subprocess.DEVNULL)
    kslib.track_pid(reader.pid)
    lead_now = leaders(brokers[1].port)[0]
    lost = [p for p, b in lead_now.items() if b == 2]
    os.killpg(brokers[2].pid, signal.SIGKILL)
    brokers[2].proc.wait(5)
    t0 = time.time()
    left, errs = produce(brokers[1].addr, 18000, 6000, acked)
    took = time.time() - t0
    t.check(left == 0 and not errs,
            "the producer goes on after kill -9 of broker 2 (%.1f s, errors %s)" % (took, errs[:3]))
    t.check(kslib.wait_until(lambda: set(leaders(brokers[1].port)[0].values()) == {1}, 20),
            "broker 1 leads every partition once broker 2's lease expired (it held %s)" % lost)

    want_vals = {v for _, _, v in acked}
    kslib.wait_until(lambda: os.path.exists(group_out) and
                     len({l.strip() for l in open(group_out)}) >= len(want_vals), 40, 0.5)
    reader.send_signal(signal.SIGTERM)
    reader.wait(20)
    got_group = {l.strip().encode() for l in open(group_out)} if os.path.exists(group_out) else set()
    t.check(got_group >= want_vals, "the consumer group read every acknowledged message across the "
            "broker's death (%d missing)" % len(want_vals - got_group))

    # --- everything acknowledged, exactly once ---
    got = consume_all(brokers[1].port, len(acked))
    want = {v for _, _, v in acked}
    vals = [v for _, _, v in got]
    t.check(len(want) == 24000, "24000 distinct messages acknowledged (%d)" % len(want))
    t.check(set(vals) >= want, "every acknowledged message is readable (%d missing)" % len(want - set(vals)))
    t.check(len(vals) == len(set(vals)), "no message twice (%d duplicates)" % (len(vals) - len(set(vals))))
    by_part = {}
    ordered = True
    for p, o, _ in got:
        if by_part.get(p, -1) >= o:
            ordered = False
        by_part[p] = o
    t.check(ordered, "offsets grow in every partition")
    for p, o, v in acked:
        pass
    at = {(p, o): v for p, o, v in got}
    wrong = [(p, o) for p, o, v in acked if at.get((p, o)) != v]
    t.check(not wrong, "every message at its acknowledged offset (%d wrong, e.g. %s)" % (len(wrong), wrong[:3]))

    # --- no two brokers held a partition in the same epoch ---
    import re
    held = {}
    clash = []
    for i, b in brokers.items():
        for line in open(b.log_path, errors="replace"):
            m = re.search(r"now serving (\S+)-(\d+) from offset \d+ \(leader epoch (\d+)", line)
            if m:
                k = (m.group(1), int(m.group(2)), int(m.group(3)))
                if k in held and held[k] != i:
                    clash.append((k, held[k], i))
                held[k] = i
    t.check(held and not clash, "no partition was taken by two brokers in the same leader epoch "
            "(%d takeovers, clashes %s)" % (len(held), clash[:3]))
    t.check(s3.refused() == 0, "the Signature V4 proxy refused no request (%d)" % s3.refused())

    # --- a returning broker gets partitions back ---
    brokers[2].start()
    brokers[3].start()
    t.check(kslib.wait_until(lambda: sorted((leaders(brokers[1].port) or ({}, []))[0].values()) ==
                             [1, 1, 2, 2, 3, 3], 20),
            "after brokers 2 and 3 return the leaders are two per broker again (%s)" % (leaders(brokers[1].port),))
    for b in brokers.values():
        b.stop(timeout=15)
    etcd.stop()


if __name__ == "__main__":
    kslib.Test("cluster", timeout=150).run(main)

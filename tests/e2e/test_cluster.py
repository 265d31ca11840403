#!/usr/bin/python3
"""Three brokers on one real etcd and one object store.

- every broker lists the three brokers; a 6-partition topic's leaders are
  spread two per broker, and every broker reports the same leaders;
- an idempotent producer writes through the three brokers;
- a broker stopped with SIGTERM hands its partitions over cleanly: the new
  owners continue at the very next offset;
- a broker killed with kill -9 loses its partitions once its lease expires;
  the others take them (after a gap of offsets the old owner could still
  have been writing) and the producer goes on;
- afterwards every acknowledged message is there exactly once, and a
  restarted broker gets its share of partitions back.
"""
import os
import signal
import sys
import time

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import kslib  # noqa: E402

from confluent_kafka import Consumer, Producer, TopicPartition  # noqa: E402
from confluent_kafka.admin import AdminClient, NewTopic  # noqa: E402

TOPIC = "cluster"
NPART = 6


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
    shared = os.path.join(t.tmp, "objects-shared")
    os.makedirs(shared)
    brokers = {}
    for i in (1, 2, 3):
        brokers[i] = kslib.Broker(t, "b%d" % i, {
            "broker.id": str(i), "metadata.store": "etcd", "etcd.endpoints": etcd.endpoint,
            "data.dir": shared, "workers": "1", "log.level": "info"}, start=False)
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

    # --- crash takeover ---
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

#!/usr/bin/python3
"""Consumer groups with confluent-kafka (librdkafka: JoinGroup v5,
SyncGroup v3, OffsetCommit v7, OffsetFetch v7 flexible):

- range, roundrobin and cooperative-sticky assignors: two members, every
  partition assigned exactly once, everything consumed; commit, close,
  produce more: a new member of the group resumes at the commits (no
  re-delivery) and reads exactly the new messages;
- a group with nothing committed: committed() is "invalid" (OffsetFetch
  -1), auto.offset.reset=latest starts at the end and earliest at the
  beginning (the original KafScale answered 0 and broke both);
- standalone commits (assign(), no subscribe: generation -1, no member id);
- committed offsets survive a broker restart."""
import os
import sys
import time

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import kslib  # noqa: E402

from confluent_kafka import Producer, Consumer, TopicPartition, OFFSET_INVALID  # noqa: E402
from test_fetch_raw import create_topic  # noqa: E402

NPART = 4


def produce(b, topic, per_part, t, tag):
    pr = Producer({"bootstrap.servers": b.addr, "linger.ms": 5, "acks": "all"})
    errs = []
    for p in range(NPART):
        for i in range(per_part):
            pr.produce(topic, value=("%s-%d-%d" % (tag, p, i)).encode(), partition=p,
                       on_delivery=lambda e, m: errs.append(e) if e else None)
    left = pr.flush(20)
    t.check(left == 0 and not errs, "produced %d x %d messages to %s" % (NPART, per_part, topic))


def consumer(b, group, **extra):
    conf = {"bootstrap.servers": b.addr, "group.id": group, "enable.auto.commit": False,
            "auto.offset.reset": "earliest", "session.timeout.ms": 6000,
            "heartbeat.interval.ms": 500, "topic.metadata.refresh.interval.ms": 2000}
    conf.update(extra)
    return Consumer(conf)


def poll_all(cs, got, until, timeout):
    """Polls every consumer in turn until until() or timeout; messages go
    into got[i] as (partition, offset)."""
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        for i, c in enumerate(cs):
            m = c.poll(0.05)
            if m is not None and m.error() is None:
                got[i].append((m.partition(), m.offset()))
        if until():
            return True
    return until()


def assignors(t, b):
    for strategy in ("range", "roundrobin", "cooperative-sticky"):
        topic = "grp-" + strategy
        group = "g-" + strategy
        create_topic(b, topic, NPART)
        produce(b, topic, 40, t, "a")
        cs = [consumer(b, group, **{"partition.assignment.strategy": strategy}) for _ in range(2)]
        for c in cs:
            c.subscribe([topic])
        got = [[], []]

        def settled():
            a = [set(tp.partition for tp in c.assignment()) for c in cs]
            seen = set(got[0]) | set(got[1])
            return all(a) and not (a[0] & a[1]) and (a[0] | a[1]) == set(range(NPART)) and len(seen) >= 40 * NPART
        ok = poll_all(cs, got, settled, 30)
        a = [sorted(tp.partition for tp in c.assignment()) for c in cs]
        t.check(ok, "%s: two members, assignments %s and %s: all %d partitions exactly once, %d messages seen"
                % (strategy, a[0], a[1], NPART, len(set(got[0]) | set(got[1]))))
        for c in cs:
            try:
                c.commit(asynchronous=False)
            except Exception as e:                 # noqa: BLE001
                t.check(False, "%s: commit failed: %s" % (strategy, e))
        tps = [TopicPartition(topic, p) for p in range(NPART)]
        com = cs[0].committed(tps, timeout=10)
        t.check([x.offset for x in com] == [40] * NPART,
                "%s: committed offsets %s" % (strategy, [x.offset for x in com]))
        for c in cs:
            c.close()
        produce(b, topic, 10, t, "b")
        c3 = consumer(b, group, **{"partition.assignment.strategy": strategy})
        c3.subscribe([topic])
        got3 = [[]]
        poll_all([c3], got3, lambda: len(got3[0]) >= 10 * NPART, 25)
        time.sleep(0.5)
        poll_all([c3], got3, lambda: False, 0.5)
        offs = sorted(got3[0])
        t.check(len(offs) == 10 * NPART and all(o >= 40 for _, o in offs),
                "%s: a new member resumes at the commits: %d messages, lowest offsets %s"
                % (strategy, len(offs), sorted({p: min(o for q, o in offs if q == p)
                                                for p, _ in offs}.items())))
        c3.commit(asynchronous=False)
        c3.close()


def uncommitted(t, b):
    topic = "grp-fresh"
    create_topic(b, topic, NPART)
    produce(b, topic, 5, t, "old")
    c = consumer(b, "g-fresh-latest", **{"auto.offset.reset": "latest"})
    tps = [TopicPartition(topic, p) for p in range(NPART)]
    com = c.committed(tps, timeout=10)
    t.check(all(x.offset == OFFSET_INVALID for x in com),
            "nothing committed: committed() is invalid (-1 on the wire): %s" % [x.offset for x in com])
    c.subscribe([topic])
    got = [[]]
    poll_all([c], got, lambda: len(c.assignment()) == NPART, 20)
    time.sleep(1.0)
    poll_all([c], got, lambda: False, 1.0)
    produce(b, topic, 3, t, "new")
    poll_all([c], got, lambda: len(got[0]) >= 3 * NPART, 15)
    t.check(sorted(o for _, o in got[0]) == sorted([5, 6, 7] * NPART),
            "auto.offset.reset=latest without commits reads only new messages: %s" % sorted(got[0]))
    c.close()
    c = consumer(b, "g-fresh-earliest")
    c.subscribe([topic])
    got = [[]]
    poll_all([c], got, lambda: len(got[0]) >= 8 * NPART, 20)
    t.check(sorted(got[0]) == sorted((p, o) for p in range(NPART) for o in range(8)),
            "auto.offset.reset=earliest without commits starts at the beginning (%d messages)" % len(got[0]))
    c.close()


def standalone(t, b):
    topic = "grp-fresh"
    c = consumer(b, "g-standalone")
    c.assign([TopicPartition(topic, p, 0) for p in range(NPART)])
    c.commit(offsets=[TopicPartition(topic, p, 3 + p) for p in range(NPART)], asynchronous=False)
    com = c.committed([TopicPartition(topic, p) for p in range(NPART)], timeout=10)
    t.check([x.offset for x in com] == [3, 4, 5, 6],
            "standalone commit (assign, no subscribe): committed %s" % [x.offset for x in com])
    c.close()


def main(t):
    with kslib.Broker(t, "b1", {"group.initial.rebalance.delay.ms": "100",
                                "auto.create.topics.enable": "true"}) as b:
        assignors(t, b)
        uncommitted(t, b)
        standalone(t, b)
        b.stop()
        b.start()
        c = consumer(b, "g-standalone")
        com = c.committed([TopicPartition("grp-fresh", p) for p in range(NPART)], timeout=15)
        t.check([x.offset for x in com] == [3, 4, 5, 6],
                "commits survive a broker restart: %s" % [x.offset for x in com])
        c.close()
        c = consumer(b, "g-range")
        com = c.committed([TopicPartition("grp-range", p) for p in range(NPART)], timeout=10)
        c.close()
        t.check([x.offset for x in com] == [50] * NPART,
                "group commits survive a broker restart: %s" % [x.offset for x in com])


if __name__ == "__main__":
    kslib.Test("groups-python", timeout=60).run(main)

#!/usr/bin/python3
"""A consumer group of librdkafka (confluent-kafka) and kafka-python members
over a 12-partition topic.

- members join one by one, one leaves, one is killed (-9): after each
  change every partition is assigned to exactly one live member (read back
  with DescribeGroups) and consumption goes on;
- every message is processed; nothing is processed twice except what the
  killed member had not committed;
- a new member after a broker restart resumes at the committed offsets;
- cooperative-sticky (librdkafka members committing in the revocation
  callback and at close): a member joining and one leaving cleanly move
  partitions incrementally and no message is processed twice.  (A
  synchronous commit sent with the old generation while the join completes
  gets ILLEGAL_GENERATION and librdkafka then treats its assignment as lost,
  which re-delivers; that is why these members do not commit per message.)
"""
import json
import os
import signal
import subprocess
import sys
import time

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import kslib  # noqa: E402

from confluent_kafka import Producer  # noqa: E402
from confluent_kafka.admin import AdminClient, NewTopic  # noqa: E402
from kafka import KafkaAdminClient  # noqa: E402

NPART = 12
PER = 300

MEMBER = r'''
import json, sys, time, signal
kind, broker, topic, group, strategy, out = sys.argv[1:7]
stop = False
def on_term(s, f):
    global stop
    stop = True
signal.signal(signal.SIGTERM, on_term)
f = open(out, "a", buffering=1)
if kind in ("confluent", "confluent-revoke"):
    from confluent_kafka import Consumer
    # confluent: a synchronous commit after every message; confluent-revoke:
    # offsets stored after processing and committed when partitions are
    # revoked and at close (no commit can race a completing rebalance)
    per_message = kind == "confluent"
    def revoked(c, parts):
        # commit what was processed before the partitions go (clean rebalance)
        try:
            c.commit(asynchronous=False)
        except Exception:
            pass
    c = Consumer({"bootstrap.servers": broker, "group.id": group, "auto.offset.reset": "earliest",
                  "enable.auto.commit": False, "enable.auto.offset.store": False,
                  "partition.assignment.strategy": strategy,
                  "session.timeout.ms": 6000, "heartbeat.interval.ms": 500})
    c.subscribe([topic], on_revoke=revoked)
    while not stop:
        m = c.poll(0.2)
        if m is None or m.error():
            continue
        f.write("%d %d\n" % (m.partition(), m.offset()))
        c.store_offsets(message=m)
        if not per_message:
            continue
        for attempt in range(3):
            try:
                c.commit(message=m, asynchronous=False)
                break
            except Exception as e:       # e.g. ILLEGAL_GENERATION while a rebalance completes
                time.sleep(0.1)
    try:
        c.commit(asynchronous=False)
    except Exception:
        pass
    c.close()
else:
    from kafka import KafkaConsumer
    c = KafkaConsumer(topic, bootstrap_servers=broker, group_id=group, auto_offset_reset="earliest",
                      enable_auto_commit=False, session_timeout_ms=6000, heartbeat_interval_ms=500,
                      max_poll_records=50)
    while not stop:
        recs = c.poll(200)
        for tp, ms in recs.items():
            for m in ms:
                f.write("%d %d\n" % (m.partition, m.offset))
        if recs:
            try:
                c.commit()
            except Exception:
                pass                     # a rebalance: the next poll rejoins
    c.close()
'''


def produce(b, topic, start, n_per):
    p = Producer({"bootstrap.servers": b.addr, "linger.ms": 5})
    for i in range(start, start + n_per):
        for part in range(NPART):
            p.produce(topic, value=b"%d-%d" % (part, i), partition=part)
    p.flush(30)


def assignments(b, group):
    """member id -> sorted partitions, as the group coordinator sees them."""
    a = KafkaAdminClient(bootstrap_servers=b.addr)
    try:
        d = a.describe_consumer_groups([group])[0]
    finally:
        a.close()
    if d.state != "Stable":
        return None
    out = {}
    for m in d.members:
        parts = []
        for t in m.member_assignment.assignment:
            parts += list(t[1])
        out[m.member_id] = sorted(parts)
    return out


def exactly_once(assign, n):
    if not assign:
        return False
    allp = sorted(p for ps in assign.values() for p in ps)
    return len(assign) == n and allp == list(range(NPART))


def processed(paths):
    seen = []
    for p in paths:
        if os.path.exists(p):
            for line in open(p):
                a, o = line.split()
                seen.append((int(a), int(o)))
    return seen


def main(t):
    b = kslib.Broker(t, "mix", {"group.initial.rebalance.delay.ms": "200", "group.min.session.timeout.ms": "1000"})
    admin = AdminClient({"bootstrap.servers": b.addr})
    for topic in ("mixed", "coop"):
        admin.create_topics([NewTopic(topic, NPART, 1)])[topic].result(10)
    produce(b, "mixed", 0, PER)
    script = os.path.join(t.tmp, "member.py")
    open(script, "w").write(MEMBER)
    procs = {}

    def start(name, kind, topic, group, strategy):
        out = os.path.join(t.tmp, "%s.out" % name)
        p = subprocess.Popen(["/usr/bin/python3", script, kind, b.addr, topic, group, strategy, out],
                             stdin=subprocess.DEVNULL)
        kslib.track_pid(p.pid)
        procs[name] = (p, out)
        return p

    def settle(group, n, what):
        ok = kslib.wait_until(lambda: exactly_once(assignments(b, group), n), 30, 0.5)
        t.check(ok, "%s: every partition assigned to exactly one of %d members (%s)"
                % (what, n, assignments(b, group)))

    # --- mixed eager group (range: both clients support it) ---
    start("a", "confluent", "mixed", "mixed", "range")
    start("b", "kafkapython", "mixed", "mixed", "range")
    settle("mixed", 2, "librdkafka + kafka-python")
    start("c", "confluent", "mixed", "mixed", "range")
    settle("mixed", 3, "a third member (librdkafka) joined")
    procs["b"][0].send_signal(signal.SIGTERM)
    procs["b"][0].wait(15)
    settle("mixed", 2, "the kafka-python member left")
    produce(b, "mixed", PER, 50)
    time.sleep(2)
    procs["c"][0].kill()                     # -9: no LeaveGroup, no last commit
    procs["c"][0].wait(5)
    settle("mixed", 1, "the killed member expired")
    total = NPART * (PER + 50)
    outs = [procs[n][1] for n in ("a", "b", "c")]
    kslib.wait_until(lambda: len(set(processed(outs))) >= total, 30, 0.5)
    seen = processed(outs)
    t.check(len(set(seen)) == total, "every message processed (%d of %d)" % (len(set(seen)), total))
    dup = len(seen) - len(set(seen))
    t.check(dup <= 50 * NPART, "duplicates only from the killed member's last uncommitted records (%d)" % dup)
    procs["a"][0].send_signal(signal.SIGTERM)
    procs["a"][0].wait(15)
    ka = KafkaAdminClient(bootstrap_servers=b.addr)
    offs = {tp.partition: om.offset for tp, om in ka.list_consumer_group_offsets("mixed").items()}
    ka.close()
    t.check(offs == {p: PER + 50 for p in range(NPART)},
            "committed offsets are at the end of every partition (%s)" % offs)

    # --- resume after a broker restart ---
    b.stop()
    b.start()
    produce(b, "mixed", PER + 50, 10)
    start("d", "kafkapython", "mixed", "mixed", "range")
    out_d = procs["d"][1]
    kslib.wait_until(lambda: len(processed([out_d])) >= 10 * NPART, 30, 0.5)
    time.sleep(1)
    got = processed([out_d])
    t.check(sorted(set(o for _, o in got)) == list(range(PER + 50, PER + 60)) and len(got) == 10 * NPART,
            "after a broker restart a new member resumes at the committed offsets (%d records, offsets %s..%s)"
            % (len(got), min(o for _, o in got) if got else None, max(o for _, o in got) if got else None))
    procs["d"][0].send_signal(signal.SIGTERM)
    procs["d"][0].wait(15)

    # --- cooperative-sticky, clean rebalances ---
    produce(b, "coop", 0, PER)
    start("x", "confluent-revoke", "coop", "coop", "cooperative-sticky")
    settle("coop", 1, "cooperative-sticky, one member")
    time.sleep(1)
    start("y", "confluent-revoke", "coop", "coop", "cooperative-sticky")
    settle("coop", 2, "cooperative-sticky, a second member joined")
    produce(b, "coop", PER, 50)
    time.sleep(2)
    procs["x"][0].send_signal(signal.SIGTERM)
    procs["x"][0].wait(15)
    settle("coop", 1, "cooperative-sticky, the first member left cleanly")
    produce(b, "coop", PER + 50, 50)
    outs = [procs[n][1] for n in ("x", "y")]
    total = NPART * (PER + 100)
    kslib.wait_until(lambda: len(set(processed(outs))) >= total, 30, 0.5)
    seen = processed(outs)
    t.check(len(set(seen)) == total, "cooperative-sticky: every message processed (%d of %d)" % (len(set(seen)), total))
    from collections import Counter
    twice = [k for k, n in Counter(seen).items() if n > 1]
    where = {k: [n for n in ("x", "y") if k in processed([procs[n][1]])] for k in twice[:5]}
    t.check(len(seen) == len(set(seen)),
            "cooperative-sticky: no message processed twice across clean rebalances (%d duplicates: %s)"
            % (len(seen) - len(set(seen)), where))
    procs["y"][0].send_signal(signal.SIGTERM)
    procs["y"][0].wait(15)
    b.stop()


if __name__ == "__main__":
    kslib.Test("groups_mixed", timeout=170).run(main)

#!/usr/bin/python3
"""Group membership over time, with confluent-kafka members:

- session timeout: a member that stops heartbeating (its process is
  SIGSTOPped) is expired after session.timeout.ms and its partitions go to
  the other member;
- static membership (group.instance.id): a member that is closed and
  restarted within its session timeout gets the same partitions back
  without a rebalance (no new generation, the other member keeps its
  partitions and sees no revocation)."""
import os
import re
import signal
import subprocess
import sys
import time

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import kslib  # noqa: E402

from confluent_kafka import Consumer  # noqa: E402
from test_fetch_raw import create_topic  # noqa: E402

NPART = 4

CHILD = r"""
import sys, time
from confluent_kafka import Consumer
c = Consumer({"bootstrap.servers": sys.argv[1], "group.id": sys.argv[2], "session.timeout.ms": 6000,
              "heartbeat.interval.ms": 500, "auto.offset.reset": "earliest"})
c.subscribe([sys.argv[3]],
            on_assign=lambda c, ps: print("assigned", sorted(p.partition for p in ps), flush=True))
while True:
    c.poll(0.2)
"""


def consumer(b, group, **extra):
    conf = {"bootstrap.servers": b.addr, "group.id": group, "session.timeout.ms": 6000,
            "heartbeat.interval.ms": 500, "auto.offset.reset": "earliest"}
    conf.update(extra)
    return Consumer(conf)


def parts(c):
    return sorted(tp.partition for tp in c.assignment())


def poll_until(cs, pred, timeout):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        for c in cs:
            c.poll(0.05)
        if pred():
            return True
    return pred()


def session_timeout(t, b):
    topic = "grp-session"
    create_topic(b, topic, NPART)
    child = subprocess.Popen([sys.executable, "-c", CHILD, b.addr, "g-session", topic],
                             stdout=subprocess.PIPE, universal_newlines=True)
    kslib.track_pid(child.pid)
    try:
        a = consumer(b, "g-session")
        a.subscribe([topic])
        ok = poll_until([a], lambda: len(parts(a)) == 2, 20)
        t.check(ok, "two members share the topic: this one has %s" % parts(a))
        os.kill(child.pid, signal.SIGSTOP)
        t0 = time.monotonic()
        ok = poll_until([a], lambda: parts(a) == list(range(NPART)), 20)
        took = time.monotonic() - t0
        t.check(ok and took > 4, "the stopped member expired after %.1f s (session 6 s); "
                "the other member has %s" % (took, parts(a)))
        t.check(re.search(r"group g-session: member \S+ expired", b.log_text()) is not None,
                "the broker logged the expiry")
        a.close()
    finally:
        child.kill()
        child.wait(5)


def static_membership(t, b):
    topic = "grp-static"
    create_topic(b, topic, NPART)
    revoked = []
    a = consumer(b, "g-static", **{"group.instance.id": "inst-a", "session.timeout.ms": 10000})
    a.subscribe([topic], on_revoke=lambda c, ps: revoked.append([p.partition for p in ps]))
    bb = consumer(b, "g-static", **{"group.instance.id": "inst-b", "session.timeout.ms": 10000})
    bb.subscribe([topic])
    ok = poll_until([a, bb], lambda: parts(a) and parts(bb) and len(parts(a) + parts(bb)) == NPART, 20)
    before_a, before_b = parts(a), parts(bb)
    t.check(ok, "two static members: %s and %s" % (before_a, before_b))
    poll_until([a, bb], lambda: False, 1.0)
    gens = re.findall(r"group g-static: generation (\d+)", b.log_text())
    revoked.clear()
    bb.close()                               # a static member does not leave
    bb = consumer(b, "g-static", **{"group.instance.id": "inst-b", "session.timeout.ms": 10000})
    bb.subscribe([topic])
    ok = poll_until([a, bb], lambda: len(parts(bb)) > 0, 15)
    poll_until([a, bb], lambda: False, 2.0)
    t.check(ok and parts(bb) == before_b, "restarted static member got the same partitions %s (before %s)"
            % (parts(bb), before_b))
    t.check(parts(a) == before_a and not revoked, "the other member kept %s, revocations %s"
            % (parts(a), revoked))
    gens2 = re.findall(r"group g-static: generation (\d+)", b.log_text())
    t.check(gens2 == gens, "no rebalance: generations %s then %s" % (gens, gens2))
    t.check(re.search(r"static member inst-b replaces", b.log_text()) is not None,
            "the broker logged the static member's replacement")
    a.close()
    bb.close()


def main(t):
    with kslib.Broker(t, "b1", {"group.initial.rebalance.delay.ms": "100"}) as b:
        session_timeout(t, b)
        static_membership(t, b)


if __name__ == "__main__":
    kslib.Test("groups-session", timeout=60).run(main)

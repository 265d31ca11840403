#!/usr/bin/python3
"""Consumer groups on three brokers sharing one real etcd.

- FindCoordinator (v0 and batched v4) for 20 group ids gives the same
  broker on every broker, and the groups are spread over all three;
- group requests sent to another broker get NOT_COORDINATOR;
- two confluent-kafka consumers of one group, bootstrapped from different
  brokers, form one group (3 partitions each) and commit;
- the group's coordinator is stopped (SIGTERM): the group moves to another
  broker, which loads it from the store; the consumers go on there, and no
  message is consumed twice unless its commit was lost, none is skipped;
- OffsetFetch through a client bootstrapped from either remaining broker
  returns the committed offsets;
- when broker 3 returns the group moves back to it (rendezvous hashing),
  the interim coordinator drops it, and the consumers go on there.
"""
import os
import sys
import time

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import kslib  # noqa: E402
from kslib import i32, string, uvarint  # noqa: E402

from confluent_kafka import Consumer, KafkaException, Producer, TopicPartition  # noqa: E402
from confluent_kafka.admin import AdminClient, NewTopic  # noqa: E402

TOPIC = "cgroups"
NPART = 6
PER_PART = 600
GROUPS = ["cg-%02d" % i for i in range(20)]
NOT_COORDINATOR = 16


def cstr(s):
    b = s.encode()
    return uvarint(len(b) + 1) + b


def call(port, key, ver, body, flex=False):
    c = kslib.Conn(port, timeout=10)
    try:
        c.send(kslib.request(key, ver, body, corr=5, header_version=2 if flex else 1))
        r = kslib.Reader(c.recv_frame(timeout=10))
    finally:
        c.close()
    if r.i32() != 5:
        raise kslib.Failure("wrong correlation id")
    if flex:
        r.tagged()
    return r


def find_v0(port, group):
    r = call(port, 10, 0, string(group))
    err, node, host, p = r.i16(), r.i32(), r.string(), r.i32()
    return (node, host, p) if err == 0 else ("error", err)


def find_v4(port, groups):
    body = bytes([0]) + uvarint(len(groups) + 1) + b"".join(cstr(g) for g in groups) + uvarint(0)
    r = call(port, 10, 4, body, flex=True)
    r.i32()
    out = {}
    for _ in range(r.uvarint() - 1):
        key, node, host, p, err = r.compact_string(), r.i32(), r.compact_string(), r.i32(), r.i16()
        r.compact_string()
        r.tagged()
        out[key] = (node, host, p) if err == 0 else ("error", err)
    return out


def heartbeat_err(port, group):
    return call(port, 12, 0, string(group) + i32(1) + string("nobody")).i16()


def offset_fetch_v1(port, group):
    """{partition: offset} and the set of partition error codes."""
    body = string(group) + i32(1) + string(TOPIC) + i32(NPART) + b"".join(i32(p) for p in range(NPART))
    r = call(port, 9, 1, body)
    offs, errs = {}, set()
    for _ in range(r.i32()):
        r.string()
        for _ in range(r.i32()):
            p, o = r.i32(), r.i64()
            r.string()
            errs.add(r.i16())
            offs[p] = o
    return offs, errs


def main(t):
    etcd = kslib.Etcd(t)
    shared = os.path.join(t.tmp, "objects-shared")
    os.makedirs(shared)
    brokers = {}
    for i in (1, 2, 3):
        brokers[i] = kslib.Broker(t, "b%d" % i, {
            "broker.id": str(i), "metadata.store": "etcd", "etcd.endpoints": etcd.endpoint,
            "data.dir": shared, "workers": "1", "log.level": "info",
            "group.initial.rebalance.delay.ms": "300"}, start=False)
    for b in brokers.values():
        b.start()
    by_port = {b.port: i for i, b in brokers.items()}

    admin = AdminClient({"bootstrap.servers": brokers[1].addr})
    admin.create_topics([NewTopic(TOPIC, NPART, 1)])[TOPIC].result(15)

    def spread():
        for b in brokers.values():
            md = AdminClient({"bootstrap.servers": b.addr}).list_topics(TOPIC, timeout=5)
            tp = md.topics.get(TOPIC)
            if sorted(md.brokers) != [1, 2, 3] or tp is None or tp.error is not None or \
                    sorted(p.leader for p in tp.partitions.values()) != [1, 1, 2, 2, 3, 3]:
                return False
        return True
    t.check(kslib.wait_until(spread, 20), "three brokers listed everywhere, two partitions each")

    acked = []
    p = Producer({"bootstrap.servers": ",".join(b.addr for b in brokers.values()), "acks": "all",
                  "linger.ms": 5})
    for i in range(NPART * PER_PART):
        p.produce(TOPIC, value=b"v%06d" % i, partition=i % NPART,
                  on_delivery=lambda err, msg: acked.append(msg) if err is None else None)
    p.flush(30)
    t.check(len(acked) == NPART * PER_PART, "%d messages produced (%d acknowledged)"
            % (NPART * PER_PART, len(acked)))

    # --- one coordinator per group, the same answer everywhere ---
    def answers():
        return {i: {g: find_v0(b.port, g) for g in GROUPS} for i, b in brokers.items()}
    t.check(kslib.wait_until(lambda: len({str(sorted(a.items())) for a in answers().values()}) == 1, 10),
            "FindCoordinator v0 answers agree on every broker")
    ans = answers()
    view = ans[1]
    t.check(all(ans[i] == view for i in brokers), "FindCoordinator v0: same answers from brokers 1, 2, 3")
    coord = {}
    for g, a in view.items():
        if a[0] == "error" or a[2] not in by_port or a[1] != "127.0.0.1":
            t.fail("FindCoordinator v0 for %s: bad answer %s" % (g, a))
        coord[g] = by_port[a[2]]
        t.check(a[0] == coord[g], "FindCoordinator for %s: node id %d has port %d" % (g, a[0], a[2]))
    counts = {i: sum(1 for g in GROUPS if coord[g] == i) for i in brokers}
    t.check(all(n >= 3 for n in counts.values()),
            "20 groups spread over the three brokers: %s" % counts)
    for i, b in brokers.items():
        v4 = find_v4(b.port, GROUPS)
        t.check(v4 == view, "FindCoordinator v4 (20 keys in one request) from broker %d gives the same answers" % i)
    for g in GROUPS[:6]:
        for i, b in brokers.items():
            err = heartbeat_err(b.port, g)
            want = 25 if coord[g] == i else NOT_COORDINATOR
            t.check(err == want, "Heartbeat for %s at broker %d: %d (want %d)" % (g, i, err, want))
    for i, b in brokers.items():
        r = call(b.port, 16, 0, b"")
        lg = (r.i16(), r.i32())
        t.check(lg == (0, 0), "ListGroups at broker %d before any group exists: %s" % (i, lg))

    # --- two consumers of one group, bootstrapped from different brokers ---
    group = next(g for g in GROUPS if coord[g] == 3)
    conf = {"group.id": group, "auto.offset.reset": "earliest", "enable.auto.commit": False,
            "session.timeout.ms": 10000, "heartbeat.interval.ms": 500,
            "partition.assignment.strategy": "range", "fetch.wait.max.ms": 100}
    cons = [Consumer(dict(conf, **{"bootstrap.servers": brokers[1].addr, "client.id": "c1"})),
            Consumer(dict(conf, **{"bootstrap.servers": brokers[2].addr, "client.id": "c2"}))]
    for c in cons:
        c.subscribe([TOPIC])

    seen = {}                    # (partition, offset) -> times consumed
    committed = {}               # partition -> last committed offset
    bad = []                     # consumed again below the committed offset
    commit_errors = []

    per_part = {}                # partition -> distinct offsets consumed
    limit = [PER_PART // 2]      # before the move: pause partitions there

    def step(c):
        msgs = c.consume(num_messages=60, timeout=0.1)
        got = 0
        full = set()
        for m in msgs:
            if m.error():
                continue
            key = (m.partition(), m.offset())
            if key in seen and m.offset() < committed.get(m.partition(), 0):
                bad.append(key)
            if key not in seen:
                per_part[m.partition()] = per_part.get(m.partition(), 0) + 1
            seen[key] = seen.get(key, 0) + 1
            got += 1
            if limit[0] and per_part[m.partition()] >= limit[0]:
                full.add(m.partition())
        if full:
            c.pause([TopicPartition(TOPIC, pp) for pp in full])
        if got:
            try:
                for tp in c.commit(asynchronous=False):
                    if tp.error is None and tp.offset >= 0:
                        committed[tp.partition] = max(committed.get(tp.partition, 0), tp.offset)
            except KafkaException as e:
                commit_errors.append(str(e))
        return got

    def both_assigned():
        for c in cons:
            step(c)
        return all(len(c.assignment()) == 3 for c in cons)
    t.check(kslib.wait_until(both_assigned, 30, interval=0),
            "two consumers from brokers 1 and 2 form one group of %s: 3 partitions each (%s)"
            % (group, [sorted(tp.partition for tp in c.assignment()) for c in cons]))
    t.check(sorted(tp.partition for c in cons for tp in c.assignment()) == list(range(NPART)),
            "the two assignments cover the 6 partitions once")
    kslib.wait_until(lambda: sum(step(c) for c in cons) < 0 or
                     (len(committed) == NPART and min(per_part.values()) >= limit[0]), 30, interval=0)
    t.check(len(committed) == NPART and all(PER_PART // 2 <= n < PER_PART for n in per_part.values()),
            "both consumers consumed about half of every partition and committed: %s, commits %s"
            % (per_part, committed))
    offs, errs = offset_fetch_v1(brokers[3].port, group)
    t.check(errs == {0} and offs == committed, "OffsetFetch at the coordinator (3): %s" % offs)
    offs, errs = offset_fetch_v1(brokers[1].port, group)
    t.check(errs == {NOT_COORDINATOR}, "OffsetFetch at broker 1: NOT_COORDINATOR (%s)" % errs)

    # --- the coordinator stops ---
    before = dict(committed)
    brokers[3].stop(timeout=15)
    t.check(kslib.wait_until(lambda: find_v0(brokers[1].port, group) == find_v0(brokers[2].port, group) and
                             find_v0(brokers[1].port, group)[0] in (1, 2), 15),
            "after broker 3 stopped, brokers 1 and 2 agree on a new coordinator for %s: %s"
            % (group, find_v0(brokers[1].port, group)))
    newc = find_v0(brokers[1].port, group)[0]
    limit[0] = 0
    for c in cons:
        c.resume(c.assignment())
    total = NPART * PER_PART
    t0 = time.time()
    kslib.wait_until(lambda: sum(step(c) for c in cons) < 0 or len(seen) >= total, 45, interval=0)
    t.check(len(seen) == total, "the group consumed all %d messages after the move (%d, %.1f s)"
            % (total, len(seen), time.time() - t0))
    kslib.wait_until(lambda: sum(step(c) for c in cons) < 0 or all(len(c.assignment()) == 3 for c in cons),
                     20, interval=0)
    t.check(all(len(c.assignment()) == 3 for c in cons),
            "still one group of two members with 3 partitions each: %s"
            % [sorted(tp.partition for tp in c.assignment()) for c in cons])
    t.check(brokers[newc].wait_log(r"group %s: loaded" % group, 5),
            "broker %d loaded group %s from the store" % (newc, group))
    want = {(pp, o) for pp in range(NPART) for o in range(PER_PART)}
    t.check(set(seen) == want, "no message skipped (%d missing)" % len(want - set(seen)))
    dups = sorted(k for k, n in seen.items() if n > 1)
    t.check(not bad, "no message consumed again below its partition's committed offset (%s)" % bad[:5])
    t.check(all(o >= before.get(pp, 0) for pp, o in dups),
            "messages consumed twice (%d) all lie after the last commit before the move %s"
            % (len(dups), dups[:5]))
    t.check(all(committed.get(pp) == PER_PART for pp in range(NPART)),
            "final commits at the end of every partition: %s (errors seen: %s)" % (committed, commit_errors[:3]))

    # --- OffsetFetch after the move, through either broker ---
    for i in (1, 2):
        # a consumer that does not join: committed() is an OffsetFetch sent
        # to the coordinator the client finds through broker i
        q = Consumer({"bootstrap.servers": brokers[i].addr, "group.id": group, "enable.auto.commit": False})
        res = {tp.partition: tp.offset for tp in
               q.committed([TopicPartition(TOPIC, pp) for pp in range(NPART)], timeout=15)}
        q.close()
        t.check(res == committed, "committed offsets read through broker %d: %s" % (i, res))
    offs, errs = offset_fetch_v1(brokers[newc].port, group)
    t.check(errs == {0} and offs == committed, "OffsetFetch at the new coordinator (%d): %s" % (newc, offs))
    other = 3 - newc
    offs, errs = offset_fetch_v1(brokers[other].port, group)
    t.check(errs == {NOT_COORDINATOR}, "OffsetFetch at broker %d: NOT_COORDINATOR (%s)" % (other, errs))
    r = call(brokers[newc].port, 16, 0, b"")
    err, n = r.i16(), r.i32()
    listed = []
    for _ in range(n):
        listed.append(r.string())
        r.string()
    t.check(err == 0 and group in listed, "ListGroups at broker %d lists %s: %s" % (newc, group, listed))
    r = call(brokers[other].port, 16, 0, b"")
    err, n = r.i16(), r.i32()
    t.check(err == 0 and n == 0, "ListGroups at broker %d lists no group (%d)" % (other, n))

    # --- broker 3 returns: the group moves back, the old coordinator drops it ---
    brokers[3].start()
    by_port[brokers[3].port] = 3
    t.check(kslib.wait_until(lambda: len({str(find_v4(b.port, GROUPS)) for b in brokers.values()}) == 1 and
                             find_v0(brokers[1].port, group)[0] == 3, 15),
            "broker 3 back: every broker names it the coordinator of %s again" % group)
    t.check(brokers[newc].wait_log(r"group %s: coordinated by broker 3 now, dropping it here" % group, 5),
            "broker %d dropped %s from memory" % (newc, group))
    more = []
    p = Producer({"bootstrap.servers": ",".join(b.addr for b in brokers.values()), "acks": "all"})
    for i in range(NPART * 50):
        p.produce(TOPIC, value=b"w%06d" % i, partition=i % NPART,
                  on_delivery=lambda err, msg: more.append(msg) if err is None else None)
    p.flush(30)
    total += len(more)
    kslib.wait_until(lambda: sum(step(c) for c in cons) < 0 or
                     (len(seen) >= total and all(committed.get(pp) == PER_PART + 50 for pp in range(NPART))),
                     30, interval=0)
    t.check(len(seen) == total and not bad and all(n == 1 for n in seen.values()),
            "the group goes on at broker 3: %d of %d messages, none twice" % (len(seen), total))
    offs, errs = offset_fetch_v1(brokers[3].port, group)
    t.check(errs == {0} and offs == committed and all(o == PER_PART + 50 for o in offs.values()),
            "OffsetFetch at broker 3: %s" % offs)
    t.check(all(len(c.assignment()) == 3 for c in cons), "still 3 partitions per consumer")

    for c in cons:
        c.close()
    for b in brokers.values():
        b.stop(timeout=15)
    etcd.stop()


if __name__ == "__main__":
    kslib.Test("cluster_groups", timeout=120).run(main)

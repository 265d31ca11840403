#!/usr/bin/python3
"""kafka-python's KafkaConsumer in a group (FindCoordinator v0, JoinGroup
v2, SyncGroup v1, Heartbeat v1, OffsetCommit v2, OffsetFetch v1) consumes
and commits; group administration with kafka-python's KafkaAdminClient
: list, describe (members and their
assignments while the consumer runs), committed offsets, delete (refused
with NON_EMPTY_GROUP while a member is in, then the group and its offsets
are gone, also after a restart); OffsetDelete v0 as raw frames
(GROUP_SUBSCRIBED_TO_TOPIC while subscribed, deleted once empty)."""
import os
import struct
import sys
import time

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import kslib  # noqa: E402

from kafka import KafkaConsumer, KafkaAdminClient, TopicPartition  # noqa: E402
from confluent_kafka import Producer  # noqa: E402
from test_fetch_raw import create_topic  # noqa: E402

TOPIC = "grp-admin"
GROUP = "g-kpy"
NPART = 3
PER = 20


def produce(b, t):
    pr = Producer({"bootstrap.servers": b.addr, "linger.ms": 5})
    for p in range(NPART):
        for i in range(PER):
            pr.produce(TOPIC, value=b"v%d" % i, partition=p)
    t.check(pr.flush(20) == 0, "produced %d messages" % (NPART * PER))


def s16(s):
    s = s.encode()
    return struct.pack(">h", len(s)) + s


def offset_delete(b, group, topic, parts):
    """OffsetDelete v0 as raw frames: (top error, [(partition, error)])."""
    body = s16(group) + struct.pack(">i", 1) + s16(topic) + struct.pack(">i", len(parts))
    for p in parts:
        body += struct.pack(">i", p)
    c = kslib.Conn(b.port)
    c.send(kslib.request(47, 0, body, corr=7))
    r = kslib.Reader(c.recv_frame())
    r.i32()                                  # correlation id
    err = r.i16()
    r.i32()                                  # throttle
    res = []
    for _ in range(r.i32()):
        r.string()
        for _ in range(r.i32()):
            res.append((r.i32(), r.i16()))
    c.close()
    return err, res


def main(t):
    with kslib.Broker(t, "b1", {"group.initial.rebalance.delay.ms": "100"}) as b:
        create_topic(b, TOPIC, NPART)
        produce(b, t)
        c = KafkaConsumer(TOPIC, bootstrap_servers=b.addr, group_id=GROUP, client_id="kpy-client",
                          auto_offset_reset="earliest", enable_auto_commit=False,
                          session_timeout_ms=6000, heartbeat_interval_ms=500, consumer_timeout_ms=15000)
        got = []
        end = time.monotonic() + 20
        while len(got) < NPART * PER and time.monotonic() < end:
            for recs in c.poll(timeout_ms=200).values():
                got.extend((r.partition, r.offset) for r in recs)
        t.check(sorted(got) == sorted((p, o) for p in range(NPART) for o in range(PER)),
                "kafka-python group consumer read %d messages" % len(got))
        c.commit()
        com = {p: c.committed(TopicPartition(TOPIC, p)) for p in range(NPART)}
        t.check(com == {p: PER for p in range(NPART)}, "kafka-python committed %s" % com)

        adm = KafkaAdminClient(bootstrap_servers=b.addr)
        groups = adm.list_consumer_groups()
        t.check((GROUP, "consumer") in groups, "list_consumer_groups: %s" % groups)
        d = adm.describe_consumer_groups([GROUP])[0]
        members = [(m.client_id, sorted(tp for tp in m.member_assignment.assignment[0][1]))
                   for m in d.members] if d.members else []
        t.check(d.state == "Stable" and d.protocol_type == "consumer" and d.protocol == "range" and
                members == [("kpy-client", list(range(NPART)))],
                "describe_consumer_groups: state %s, %s/%s, members %s" % (d.state, d.protocol_type, d.protocol,
                                                                         members))
        offs = adm.list_consumer_group_offsets(GROUP)
        t.check({tp.partition: om.offset for tp, om in offs.items()} == {p: PER for p in range(NPART)},
                "list_consumer_group_offsets (OffsetFetch with null topics): %s" % offs)
        err, res = offset_delete(b, GROUP, TOPIC, [0])
        t.check(err == 0 and res == [(0, 86)], "OffsetDelete of a subscribed topic: GROUP_SUBSCRIBED_TO_TOPIC %s"
                % ((err, res),))
        res = adm.delete_consumer_groups([GROUP])
        t.check(getattr(res[0][1], "errno", None) == 68,
                "deleting a group with a member is refused: NON_EMPTY_GROUP (%s)" % res)
        c.close()
        d = adm.describe_consumer_groups([GROUP])[0]
        t.check(d.state == "Empty", "after the consumer closed (LeaveGroup) the group is %s" % d.state)
        err, res = offset_delete(b, GROUP, TOPIC, [2])
        t.check(err == 0 and res == [(2, 0)], "OffsetDelete of an empty group's partition: %s" % ((err, res),))
        offs = adm.list_consumer_group_offsets(GROUP)
        t.check({tp.partition: om.offset for tp, om in offs.items()} == {0: PER, 1: PER},
                "partition 2's offset is gone: %s" % offs)
        res = adm.delete_consumer_groups([GROUP])
        t.check(len(res) == 1 and getattr(res[0][1], "errno", None) == 0,
                "delete_consumer_groups: %s" % res)
        groups = adm.list_consumer_groups()
        t.check(GROUP not in [g for g, _ in groups], "the deleted group is not listed: %s" % groups)
        offs = adm.list_consumer_group_offsets(GROUP)
        t.check(offs == {}, "the deleted group's offsets are gone: %s" % offs)
        res = adm.delete_consumer_groups([GROUP])
        t.check(getattr(res[0][1], "errno", None) == 69, "deleting it again: GROUP_ID_NOT_FOUND (%s)" % res)
        adm.close()
        b.stop()
        b.start()
        adm = KafkaAdminClient(bootstrap_servers=b.addr)
        offs = adm.list_consumer_group_offsets(GROUP)
        t.check(offs == {}, "after a restart the deleted group's offsets are still gone: %s" % offs)
        adm.close()


if __name__ == "__main__":
    kslib.Test("groups-admin", timeout=60).run(main)

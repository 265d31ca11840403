#!/usr/bin/python3
"""Group APIs as raw frames, for versions and cases the client libraries do
not reach: FindCoordinator v0 and v4 (batched keys; transaction keys get
COORDINATOR_NOT_AVAILABLE), JoinGroup v4 (MEMBER_ID_REQUIRED round trip,
then the member leads generation 1), Heartbeat errors (UNKNOWN_MEMBER_ID,
ILLEGAL_GENERATION), OffsetFetch v8 (several groups in one request, null
topics), ApiVersions advertising exactly the implemented ranges, and
garbage group requests that must not hurt the broker."""
import os
import sys

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import kslib  # noqa: E402
from kslib import i16, i32, string, uvarint  # noqa: E402

WANT = {8: (0, 9), 9: (0, 9), 10: (0, 6), 11: (0, 9), 12: (0, 4), 13: (0, 5), 14: (0, 5),
        15: (0, 5), 16: (0, 5), 42: (0, 2), 47: (0, 0)}


def cstr(s):
    b = s.encode()
    return uvarint(len(b) + 1) + b


def call(b, key, ver, body, flex=False):
    c = kslib.Conn(b.port, timeout=10)
    c.send(kslib.request(key, ver, body, corr=5, header_version=2 if flex else 1))
    r = kslib.Reader(c.recv_frame(timeout=10))
    c.close()
    if r.i32() != 5:
        raise kslib.Failure("wrong correlation id")
    if flex:
        r.tagged()
    return r


def main(t):
    with kslib.Broker(t, "b1", {"group.initial.rebalance.delay.ms": "100"}) as b:
        c = kslib.Conn(b.port)
        _, _, adv = kslib.api_versions(c)
        c.close()
        t.check(all(adv.get(k) == v for k, v in WANT.items()),
                "ApiVersions advertises the group APIs: %s" % {k: adv.get(k) for k in WANT})

        r = call(b, 10, 0, string("g1"))
        err, node, host, port = r.i16(), r.i32(), r.string(), r.i32()
        t.check((err, node, host, port) == (0, 0, "127.0.0.1", b.port),
                "FindCoordinator v0: %s" % ((err, node, host, port),))
        r = call(b, 10, 4, bytes([0]) + uvarint(3) + cstr("g1") + cstr("g2") + uvarint(0), flex=True)
        r.i32()
        cs = []
        for _ in range(r.uvarint() - 1):
            cs.append((r.compact_string(), r.i32(), r.compact_string(), r.i32(), r.i16()))
            r.compact_string()
            r.tagged()
        t.check(cs == [("g1", 0, "127.0.0.1", b.port, 0), ("g2", 0, "127.0.0.1", b.port, 0)],
                "FindCoordinator v4 with two keys: %s" % cs)
        r = call(b, 10, 4, bytes([1]) + uvarint(2) + cstr("tx") + uvarint(0), flex=True)
        r.i32()
        r.uvarint()
        key, node, _, _, err = r.compact_string(), r.i32(), r.compact_string(), r.i32(), r.i16()
        t.check(err == 15, "FindCoordinator v4 for a transactional id: COORDINATOR_NOT_AVAILABLE (%d)" % err)

        def join(member):
            body = (string("g-raw") + i32(10000) + i32(10000) + string(member) + string("consumer") +
                    i32(1) + string("range") + i32(4) + b"\0\1\2\3")
            r = call(b, 11, 4, body)
            r.i32()
            res = {"error": r.i16(), "generation": r.i32(), "protocol": r.string(), "leader": r.string(),
                   "member": r.string()}
            res["members"] = []
            for _ in range(r.i32()):
                res["members"].append(r.string())
                r.take(r.i32())
            return res
        j = join("")
        t.check(j["error"] == 79 and j["member"], "JoinGroup v4 without a member id: MEMBER_ID_REQUIRED, id %s"
                % j["member"])
        j2 = join(j["member"])
        t.check(j2["error"] == 0 and j2["generation"] == 1 and j2["leader"] == j["member"] and
                j2["members"] == [j["member"]] and j2["protocol"] == "range",
                "JoinGroup v4 with that id: generation 1, leader, protocol range: %s" % j2)

        def heartbeat(gen, member):
            return call(b, 12, 0, string("g-raw") + i32(gen) + string(member)).i16()
        t.check(heartbeat(1, "nobody") == 25, "Heartbeat of an unknown member: UNKNOWN_MEMBER_ID")
        t.check(heartbeat(7, j["member"]) == 22, "Heartbeat with a wrong generation: ILLEGAL_GENERATION")
        # still CompletingRebalance (no SyncGroup yet): a heartbeat is fine
        t.check(heartbeat(1, j["member"]) == 0, "Heartbeat of the member: no error")

        body = uvarint(3) + cstr("g-raw") + uvarint(0) + uvarint(0) + cstr("g-none") + uvarint(0) + uvarint(0)
        body += bytes([0]) + uvarint(0)
        r = call(b, 9, 8, body, flex=True)
        r.i32()
        gs = []
        for _ in range(r.uvarint() - 1):
            g = r.compact_string()
            nt = r.uvarint() - 1
            if nt != 0:
                raise kslib.Failure("unexpected topics for %s" % g)
            gs.append((g, r.i16()))
            r.tagged()
        t.check(gs == [("g-raw", 0), ("g-none", 0)], "OffsetFetch v8 with two groups, null topics: %s" % gs)

        # garbage: truncated bodies of every group API; the broker closes
        # the connection (or answers) and keeps serving
        for key, ver in ((11, 0), (11, 9), (14, 5), (12, 4), (13, 5), (8, 9), (9, 9), (15, 5), (42, 2), (47, 0)):
            c = kslib.Conn(b.port)
            c.send(kslib.request(key, ver, b"\x00\x05ab", corr=9, header_version=2 if ver >= 4 else 1))
            try:
                c.recv_frame(timeout=3)
            except Exception:                  # noqa: BLE001
                pass
            c.close()
        r = call(b, 10, 0, string("g1"))
        t.check(r.i16() == 0, "the broker still answers after truncated group requests")


if __name__ == "__main__":
    kslib.Test("groups-raw", timeout=60).run(main)

#!/usr/bin/python3
"""SCRAM credentials on two brokers sharing one real etcd: a user created
with AlterUserScramCredentials on broker 0 logs in on broker 1 within a
moment (every coordinator watches /kafscale/security/scram/ and
republishes), and a credential deleted on broker 1 is refused on broker 0;
both survive a restart of broker 1."""
import os
import sys

sys.dont_write_bytecode = True   # no __pycache__ in the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import kslib  # noqa: E402
import sasllib  # noqa: E402


def start(t, e, i, b=None):
    if b is None:
        b = kslib.Broker(t, "c%d" % i, {"metadata.store": "etcd", "etcd.endpoints": e.endpoint,
                                        "broker.id": str(i)}, start=False)
    plain, b.sasl_port = kslib.free_port(), kslib.free_port()
    b.opts["listeners"] = "SASL_PLAINTEXT://127.0.0.1:%d,PLAINTEXT://127.0.0.1:%d" % (b.sasl_port, plain)
    return b.start(port=plain)


def login(b, user, pw):
    c = kslib.Conn(b.sasl_port)
    try:
        return sasllib.scram_login(c, user, pw, "SCRAM-SHA-512").error
    finally:
        c.close()


def main(t):
    e = kslib.Etcd(t)
    b0, b1 = start(t, e, 0), start(t, e, 1)
    res = sasllib.alter_scram(b0.port, upsertions=[("zed", 2, 4096, "zed-pw-1"), ("yan", 2, 4096, "yan-pw-1")])
    t.check(res == {"zed": (0, None), "yan": (0, None)}, "users created on broker 0: %r" % res)
    t.check(kslib.wait_until(lambda: login(b1, "zed", "zed-pw-1") == 0, 5), "zed logs in on broker 1")
    res = sasllib.alter_scram(b1.port, deletions=[("zed", 2)])
    t.check(res == {"zed": (0, None)}, "zed deleted on broker 1")
    t.check(kslib.wait_until(lambda: login(b0, "zed", "zed-pw-1") == sasllib.SASL_AUTHENTICATION_FAILED, 5),
            "zed is refused on broker 0")
    b1.stop()
    start(t, e, 1, b1)
    t.check(login(b1, "yan", "yan-pw-1") == 0 and login(b1, "zed", "zed-pw-1") != 0,
            "after a restart broker 1 knows yan and not zed")
    top, d, order = sasllib.describe_scram(b1.port)
    t.check(order == ["yan"], "DescribeUserScramCredentials on broker 1 lists yan only: %r" % order)
    b0.stop()
    b1.stop()


if __name__ == "__main__":
    kslib.Test("sasl-cluster", timeout=60).run(main)

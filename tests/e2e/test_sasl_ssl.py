#!/usr/bin/python3
"""SASL over TLS (a SASL_SSL listener) and the authorization of the SCRAM
admin APIs:
- kcat (SCRAM-SHA-512) and kafka-python (PLAIN, raw tokens inside TLS)
  produce and consume over SASL_SSL; a wrong password gets Kafka's error 58
  (kcat); Metadata before authentication closes the TLS connection;
- with authorizer = acl, DescribeUserScramCredentials and
  AlterUserScramCredentials from an authenticated user without DESCRIBE /
  ALTER on the cluster get CLUSTER_AUTHORIZATION_FAILED (31), and succeed
  for a super user (User:admin, authenticated with SCRAM)."""
import os
import ssl
import subprocess
import sys

sys.dont_write_bytecode = True   # no __pycache__ in the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import kslib  # noqa: E402
import sasllib  # noqa: E402
from tlscerts import server_files  # noqa: E402

from kafka import KafkaProducer, KafkaConsumer  # noqa: E402

CLUSTER_AUTHORIZATION_FAILED = 31
PW = {"admin": "Adm1n-ssl-pw", "bob": "B0b-ssl-pw"}


def main(t):
    d = t.tmp
    ca, ca_pem, cert_file, key_file = server_files(d, "sasl test CA")
    plain, sport = kslib.free_port(), kslib.free_port()
    b = kslib.Broker(t, "b1", {
        "listeners": "PLAINTEXT://127.0.0.1:%d,SASL_SSL://127.0.0.1:%d" % (plain, sport),
        "ssl.certificate.file": cert_file, "ssl.key.file": key_file, "num.partitions": "1",
        "authorizer": "acl", "super.users": "User:admin;User:ANONYMOUS",
    }, start=False)
    b.start(port=plain)
    # User:ANONYMOUS (the PLAINTEXT listener) is a super user here, to create the users
    res = sasllib.alter_scram(b.port, upsertions=[("admin", 2, 4096, PW["admin"]), ("bob", 1, 4096, PW["bob"])])
    t.check(res == {"admin": (0, None), "bob": (0, None)}, "users created over PLAINTEXT: %r" % res)
    ctx = ssl.create_default_context(cafile=ca_pem)

    # kcat over SASL_SSL
    k = ["kcat", "-b", "127.0.0.1:%d" % sport, "-X", "security.protocol=SASL_SSL", "-X", "ssl.ca.location=" + ca_pem,
         "-X", "sasl.mechanisms=SCRAM-SHA-512", "-X", "sasl.username=admin"]
    lines = "".join("ssl-%d\n" % i for i in range(10))
    r = subprocess.run(k + ["-X", "sasl.password=" + PW["admin"], "-P", "-t", "over-ssl"], input=lines,
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=20, universal_newlines=True)
    t.check(r.returncode == 0, "kcat produces over SASL_SSL with SCRAM-SHA-512: %s" % r.stderr[-300:])
    r = subprocess.run(k + ["-X", "sasl.password=" + PW["admin"], "-C", "-t", "over-ssl", "-o", "beginning", "-e", "-q"],
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=20, universal_newlines=True)
    t.check(r.returncode == 0 and r.stdout == lines, "kcat consumes them over SASL_SSL")
    r = subprocess.run(k + ["-X", "sasl.password=wrong", "-L", "-m", "3"],
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=20, universal_newlines=True)
    t.check(r.returncode != 0 and "Authentication failed during authentication due to invalid credentials" in r.stderr,
            "kcat with a wrong password over SASL_SSL: error 58")

    # kafka-python: PLAIN, raw tokens inside TLS (the admin super user may
    # read and write everything)
    kp = dict(bootstrap_servers="127.0.0.1:%d" % sport, security_protocol="SASL_SSL", ssl_cafile=ca_pem,
              ssl_check_hostname=False, sasl_mechanism="PLAIN", sasl_plain_username="admin",
              sasl_plain_password=PW["admin"], api_version_auto_timeout_ms=5000, request_timeout_ms=10000)
    p = KafkaProducer(acks="all", **kp)
    futs = [p.send("kp-ssl", b"kp-%d" % i) for i in range(10)]
    p.flush(20)
    ok = all(f.succeeded() for f in futs)
    p.close(5)
    t.check(ok, "kafka-python produces over SASL_SSL with PLAIN (SaslHandshake v0)")
    c = KafkaConsumer("kp-ssl", auto_offset_reset="earliest", consumer_timeout_ms=5000, group_id=None, **kp)
    got = [m.value for m in c]
    c.close()
    t.check(got == [b"kp-%d" % i for i in range(10)], "kafka-python consumes them over SASL_SSL")

    # before authentication, over TLS
    c = kslib.TlsConn(sport, ctx)
    c.send(kslib.request(3, 1, kslib.i32(-1), corr=5))
    t.check(c.expect_closed(3), "Metadata before authentication on SASL_SSL: connection closed")
    c.close()

    # the SCRAM admin APIs need DESCRIBE / ALTER on the cluster
    c = kslib.TlsConn(sport, ctx)
    r = sasllib.scram_login(c, "bob", PW["bob"], "SCRAM-SHA-256")
    t.check(r.error == 0, "bob logs in over SASL_SSL (SCRAM-SHA-256)")
    top, res, order = sasllib.describe_scram(None, conn=c)
    t.check(top == CLUSTER_AUTHORIZATION_FAILED and order == [],
            "DescribeUserScramCredentials as bob (no DESCRIBE on the cluster): 31")
    res = sasllib.alter_scram(None, upsertions=[("eve", 1, 4096, "x"), ("bob", 2, 4096, "y")], conn=c)
    t.check(res.get("eve", (0,))[0] == CLUSTER_AUTHORIZATION_FAILED
            and res.get("bob", (0,))[0] == CLUSTER_AUTHORIZATION_FAILED,
            "AlterUserScramCredentials as bob (no ALTER on the cluster): 31 for every user: %r" % res)
    c.close()
    c = kslib.TlsConn(sport, ctx)
    r = sasllib.scram_login(c, "admin", PW["admin"], "SCRAM-SHA-512")
    top, res, order = sasllib.describe_scram(None, conn=c)
    t.check(r.error == 0 and top == 0 and order == ["admin", "bob"],
            "DescribeUserScramCredentials as the super user admin: %r" % order)
    res = sasllib.alter_scram(None, deletions=[("bob", 1)], conn=c)
    t.check(res == {"bob": (0, None)}, "AlterUserScramCredentials as admin deletes bob's credential")
    c.close()
    t.check(PW["admin"] not in b.log_text() and PW["bob"] not in b.log_text(), "no password in the broker log")
    b.stop()


if __name__ == "__main__":
    kslib.Test("sasl-ssl", timeout=90).run(main)

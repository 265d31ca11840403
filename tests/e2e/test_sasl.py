#!/usr/bin/python3
"""SASL on a SASL_PLAINTEXT listener (with a PLAINTEXT one beside it):
users created with kafscalectl (ops endpoint) and with
AlterUserScramCredentials over the wire; kcat, confluent-kafka and
kafka-python (raw SASL tokens after SaslHandshake v0) produce and consume
with PLAIN, SCRAM-SHA-256 and SCRAM-SHA-512; a wrong password or an unknown
user is refused with SASL_AUTHENTICATION_FAILED (58) and Kafka's message
(kafka-python: the connection is closed); an unknown mechanism gets
UNSUPPORTED_SASL_MECHANISM (33) with the enabled list; Metadata before
authentication closes the connection; malformed SCRAM messages are refused;
AlterUserScramCredentials and DescribeUserScramCredentials errors as
Kafka's; deleting a credential makes the next login fail; credentials
survive a restart; metrics count successes and failures; no password ever
appears in the broker log."""
import os
import subprocess
import sys
import time

sys.dont_write_bytecode = True   # no __pycache__ in the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import kslib  # noqa: E402
import sasllib  # noqa: E402
from sasllib import (UNSUPPORTED_SASL_MECHANISM, ILLEGAL_SASL_STATE, SASL_AUTHENTICATION_FAILED,  # noqa: E402
                     RESOURCE_NOT_FOUND, DUPLICATE_RESOURCE, UNACCEPTABLE_CREDENTIAL)

from confluent_kafka import Producer, Consumer, TopicPartition, OFFSET_BEGINNING, KafkaError  # noqa: E402
from kafka import KafkaProducer, KafkaConsumer  # noqa: E402
from kafka.errors import KafkaError as KPError  # noqa: E402

MECHS = ["PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512"]
ALICE_PW = "al1ce-Pa55word-x7"          # set with kafscalectl
BOB_PW = "b0b-wire-Secret-q9"           # set with AlterUserScramCredentials
WRONG_PW = "wr0ng-Guess-z3"
KAFKA_MSG = "Authentication failed during authentication due to invalid credentials with SASL mechanism %s"
KCTL = os.path.join(kslib.BUILDDIR, "kafscalectl")


def kcat_args(b, mech, user, pw):
    return ["kcat", "-b", "127.0.0.1:%d" % b.sasl_port, "-X", "security.protocol=SASL_PLAINTEXT",
            "-X", "sasl.mechanisms=" + mech, "-X", "sasl.username=" + user, "-X", "sasl.password=" + pw]


def kcat(b, mech, user, pw, args, stdin=None, timeout=20):
    return subprocess.run(kcat_args(b, mech, user, pw) + args, input=stdin, stdout=subprocess.PIPE,
                          stderr=subprocess.PIPE, timeout=timeout, universal_newlines=True)


def ck_conf(b, mech, user, pw):
    return {"bootstrap.servers": "127.0.0.1:%d" % b.sasl_port, "security.protocol": "SASL_PLAINTEXT",
            "sasl.mechanisms": mech, "sasl.username": user, "sasl.password": pw}


def kp_conf(b, mech, user, pw):
    return dict(bootstrap_servers="127.0.0.1:%d" % b.sasl_port, security_protocol="SASL_PLAINTEXT",
                sasl_mechanism=mech, sasl_plain_username=user, sasl_plain_password=pw,
                api_version_auto_timeout_ms=5000, request_timeout_ms=10000)


def kctl(b, *args, stdin=None):
    return subprocess.run([KCTL, "-s", "127.0.0.1:%d" % b.ops_port] + list(args), input=stdin,
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=20, universal_newlines=True)


def start_broker(t, name, b=None):
    if b is None:
        b = kslib.Broker(t, name, start=False)
    plain, b.sasl_port = kslib.free_port(), kslib.free_port()
    # The SASL listener first: Metadata advertises a broker's first listener.
    b.opts["listeners"] = "SASL_PLAINTEXT://127.0.0.1:%d,PLAINTEXT://127.0.0.1:%d" % (b.sasl_port, plain)
    b.opts["num.partitions"] = "1"
    b.start(port=plain)
    return b


# ---------------------------------------------------------------------------

def create_users(t, b):
    pwfile = os.path.join(t.tmp, "alice.pw")
    with open(pwfile, "w") as f:
        f.write(ALICE_PW + "\n")
    r = kctl(b, "users", "set", "alice", "--password-file", pwfile)
    t.check(r.returncode == 0 and "SCRAM-SHA-256" in r.stdout,
            "kafscalectl users set alice (SCRAM-SHA-256, password file): %s%s" % (r.stdout, r.stderr))
    r = kctl(b, "users", "set", "alice", "--mechanism", "SCRAM-SHA-512", "--iterations", "8192",
             "--password-stdin", stdin=ALICE_PW + "\n")
    t.check(r.returncode == 0, "kafscalectl users set alice --mechanism SCRAM-SHA-512 --password-stdin")
    r = kctl(b, "users", "set", "x", "--iterations", "100", "--password-stdin", stdin="pw\n")
    t.check(r.returncode == 2, "kafscalectl users set --iterations 100: usage error (exit %d)" % r.returncode)
    r = kctl(b, "users", "set", "x", "--password-stdin", stdin="\n")
    t.check(r.returncode == 2, "kafscalectl users set with an empty password: usage error")

    # over the wire (AlterUserScramCredentials): bob with both mechanisms
    res = sasllib.alter_scram(b.port, upsertions=[("bob", 1, 4096, BOB_PW), ("bob", 2, 4096, BOB_PW)])
    t.check(res == {"bob": (0, None)}, "AlterUserScramCredentials upserts bob's two credentials: %r" % res)

    # Kafka's errors; a user with an error changes nothing
    res = sasllib.alter_scram(b.port, upsertions=[("few", 1, 100, "pw"), ("many", 1, 20000, "pw"),
                                                  ("", 1, 4096, "pw"), ("mech", 3, 4096, "pw"),
                                                  ("dup", 1, 4096, "pw"), ("dup", 1, 4096, "pw"),
                                                  ("ok", 2, 4096, "pw")],
                              deletions=[("nobody", 1), ("dup2", 1)],
                              raw_upsertions=[("dup2", 1, 4096, b"salt", b"x" * 32),
                                              ("shortkey", 1, 4096, b"salt", b"x" * 31)])
    want = {"few": UNACCEPTABLE_CREDENTIAL, "many": UNACCEPTABLE_CREDENTIAL, "": UNACCEPTABLE_CREDENTIAL,
            "mech": UNSUPPORTED_SASL_MECHANISM, "dup": DUPLICATE_RESOURCE, "ok": 0,
            "nobody": RESOURCE_NOT_FOUND, "dup2": DUPLICATE_RESOURCE, "shortkey": UNACCEPTABLE_CREDENTIAL}
    got = {u: e for u, (e, _) in res.items()}
    t.check(got == want, "AlterUserScramCredentials errors per user: %r" % res)
    t.check(res.get("few", (0, ""))[1] == "Too few iterations" and res.get("many", (0, ""))[1] == "Too many iterations",
            "iteration errors carry Kafka's messages")
    res = sasllib.alter_scram(b.port, deletions=[("ok", 2)])
    t.check(res == {"ok": (0, None)}, "AlterUserScramCredentials deletes ok's credential: %r" % res)

    top, d, order = sasllib.describe_scram(b.port)
    t.check(top == 0 and order == ["alice", "bob"] and d["alice"][2] == {1: 4096, 2: 8192}
            and d["bob"][2] == {1: 4096, 2: 4096},
            "DescribeUserScramCredentials (all): alice and bob with their iterations, nobody else: %r" % (d,))
    top, d, order = sasllib.describe_scram(b.port, ["bob", "ghost", "alice", "alice"])
    t.check(order == ["bob", "ghost", "alice"] and d["bob"][0] == 0 and d["ghost"][0] == RESOURCE_NOT_FOUND
            and d["alice"][0] == DUPLICATE_RESOURCE,
            "DescribeUserScramCredentials (named): found, RESOURCE_NOT_FOUND, DUPLICATE_RESOURCE: %r" % (d,))
    r = kctl(b, "users", "list")
    t.check(r.returncode == 0 and "alice" in r.stdout and "bob" in r.stdout and "SCRAM-SHA-512" in r.stdout
            and "8192" in r.stdout, "kafscalectl users list shows both users:\n" + r.stdout)


def check_kcat(t, b):
    for mech in MECHS:
        topic = "kcat-" + mech.lower()
        lines = "".join("kcat-%s-%d\n" % (mech, i) for i in range(20))
        r = kcat(b, mech, "alice", ALICE_PW, ["-P", "-t", topic, "-X", "acks=all"], stdin=lines)
        t.check(r.returncode == 0, "kcat produces with %s: %s" % (mech, r.stderr[-300:]))
        r = kcat(b, mech, "alice", ALICE_PW, ["-C", "-t", topic, "-o", "beginning", "-e", "-q"])
        t.check(r.returncode == 0 and r.stdout == lines, "kcat consumes what it produced with %s (%d lines)"
                % (mech, r.stdout.count("\n")))
        r = kcat(b, mech, "bob", BOB_PW, ["-L"])
        t.check(r.returncode == 0 and "1 brokers" in r.stdout,
                "kcat -L with %s as bob (credential set over the wire)" % mech)
        for user, pw in (("alice", WRONG_PW), ("ghost", WRONG_PW)):
            r = kcat(b, mech, user, pw, ["-L", "-m", "3"])
            t.check(r.returncode != 0 and (KAFKA_MSG % mech) in r.stderr,
                    "kcat with %s as %s and a wrong password: Kafka's error 58 message" % (mech, user))


def check_confluent(t, b):
    for mech in MECHS:
        topic = "ck-" + mech.lower()
        errs, acked = [], []
        p = Producer(dict(ck_conf(b, mech, "alice", ALICE_PW), **{"acks": "all"}))
        for i in range(50):
            p.produce(topic, b"ck-%d" % i, callback=lambda e, m: errs.append(e) if e else acked.append(m.offset()))
        p.flush(20)
        t.check(not errs and len(acked) == 50, "confluent-kafka produces 50 with %s (errors %r)" % (mech, errs[:2]))
        c = Consumer(dict(ck_conf(b, mech, "alice", ALICE_PW), **{"group.id": "ck-" + mech,
                                                                   "enable.auto.commit": False}))
        c.assign([TopicPartition(topic, 0, OFFSET_BEGINNING)])
        got, end = [], time.monotonic() + 20
        while len(got) < 50 and time.monotonic() < end:
            m = c.poll(0.5)
            if m is not None and m.error() is None:
                got.append(m.value())
        c.close()
        t.check(got == [b"ck-%d" % i for i in range(50)], "confluent-kafka consumes them with %s" % mech)
        errs = []
        p = Producer(dict(ck_conf(b, mech, "alice", WRONG_PW), **{"error_cb": errs.append}))
        end = time.monotonic() + 8
        while time.monotonic() < end and not any(e.code() == KafkaError._AUTHENTICATION for e in errs):
            p.poll(0.2)          # serves error_cb
        auth = [e for e in errs if e.code() == KafkaError._AUTHENTICATION]
        t.check(auth and (KAFKA_MSG % mech) in auth[0].str(),
                "confluent-kafka with %s and a wrong password: authentication error %r" % (mech, [str(e) for e in errs[:1]]))
        del p


def check_kafka_python(t, b):
    for mech in MECHS:
        topic = "kp-" + mech.lower()
        p = KafkaProducer(acks="all", **kp_conf(b, mech, "alice", ALICE_PW))
        futs = [p.send(topic, b"kp-%d" % i) for i in range(30)]
        p.flush(20)
        ok = all(f.succeeded() for f in futs)
        p.close(5)
        t.check(ok, "kafka-python produces 30 with %s (SaslHandshake v0, raw tokens)" % mech)
        c = KafkaConsumer(topic, auto_offset_reset="earliest", consumer_timeout_ms=5000, group_id=None,
                          **kp_conf(b, mech, "alice", ALICE_PW))
        got = [m.value for m in c]
        c.close()
        t.check(got == [b"kp-%d" % i for i in range(30)], "kafka-python consumes them with %s" % mech)
        before = b.log_text().count('authentication failed for user "alice"')
        try:
            KafkaConsumer(**kp_conf(b, mech, "alice", WRONG_PW)).close()
            refused = False
        except KPError:
            refused = True
        t.check(refused, "kafka-python with %s and a wrong password cannot connect (raw mode: closed)" % mech)
        t.check(b.log_text().count('authentication failed for user "alice"') > before,
                "the broker logged the failure with the user name (%s)" % mech)


def check_raw(t, b):
    # ApiVersions before authentication is answered; Metadata closes
    c = kslib.Conn(b.sasl_port)
    corr, err, keys = kslib.api_versions(c, 0, corr=9)
    t.check(err == 0 and 17 in keys and 36 in keys and 50 in keys and 51 in keys,
            "ApiVersions before authentication is answered (SASL and SCRAM admin APIs advertised)")
    c.send(kslib.request(3, 1, kslib.i32(-1), corr=10))
    t.check(c.expect_closed(3), "Metadata before authentication on the SASL listener: connection closed")
    c.close()
    t.check(b.wait_log(r"closing connection from .*: Metadata request before SASL authentication", 3) is not None,
            "the broker logs the request before authentication")

    # unknown and misspelled mechanisms: 33 with the enabled list, then closed
    for mech in ("GSSAPI", "scram-sha-256", ""):
        c = kslib.Conn(b.sasl_port)
        err, mechs = sasllib.handshake(c, mech, 1)
        t.check(err == UNSUPPORTED_SASL_MECHANISM and mechs == MECHS,
                "SaslHandshake %r: UNSUPPORTED_SASL_MECHANISM with %r" % (mech, mechs))
        t.check(c.expect_closed(3), "... and the connection is closed")
        c.close()

    # SaslAuthenticate without a handshake: ILLEGAL_SASL_STATE, closed
    c = kslib.Conn(b.sasl_port)
    r = sasllib.authenticate(c, b"\0alice\0" + ALICE_PW.encode(), 1)
    t.check(r.error == ILLEGAL_SASL_STATE and c.expect_closed(3), "SaslAuthenticate before SaslHandshake: 34, closed")
    c.close()

    # on the PLAINTEXT listener SASL requests get ILLEGAL_SASL_STATE
    c = kslib.Conn(b.port)
    err, _ = sasllib.handshake(c, "PLAIN", 1)
    t.check(err == ILLEGAL_SASL_STATE, "SaslHandshake on the PLAINTEXT listener: ILLEGAL_SASL_STATE")
    c.close()

    # a good login with each mechanism, then Metadata works
    for mech in MECHS:
        for version in (0, 1):
            c = kslib.Conn(b.sasl_port)
            r = (sasllib.plain_login(c, "alice", ALICE_PW, version) if mech == "PLAIN"
                 else sasllib.scram_login(c, "alice", ALICE_PW, mech, version))
            t.check(r.error == 0 and sasllib.metadata_v1(c) == 1,
                    "raw %s login (SaslAuthenticate v%d), then Metadata" % (mech, version))
            c.close()

    # wrong password, unknown user: 58, the same message, closed
    for mech in MECHS:
        msgs = []
        for user in ("alice", "ghost"):
            c = kslib.Conn(b.sasl_port)
            r = (sasllib.plain_login(c, user, WRONG_PW) if mech == "PLAIN"
                 else sasllib.scram_login(c, user, WRONG_PW, mech))
            msgs.append(r.message)
            t.check(r.error == SASL_AUTHENTICATION_FAILED and r.message == KAFKA_MSG % mech and c.expect_closed(3),
                    "raw %s login as %s with a wrong password: 58, Kafka's message, closed" % (mech, user))
            c.close()
        t.check(msgs[0] == msgs[1], "an unknown user and a wrong password look the same (%s)" % mech)

    # malformed SCRAM client-first messages: 58 with the reason, closed
    for msg, why in ((b"y,,n=alice,r=abc", "channel binding"), (b"p=tls-unique,,n=alice,r=abc", "channel binding"),
                     (b"n,,n=alice,r=abc,tokenauth=true", "tokenauth"), (b"n,,n=al=ice,r=abc", "saslname"),
                     (b"n,,r=abc", "user name")):
        c = kslib.Conn(b.sasl_port)
        sasllib.handshake(c, "SCRAM-SHA-256", 1)
        r = sasllib.authenticate(c, msg, 1)
        t.check(r.error == SASL_AUTHENTICATION_FAILED and why in (r.message or "") and c.expect_closed(3),
                "malformed client-first %r: 58 (%s)" % (msg, r.message))
        c.close()
    # a client-final with another nonce
    c = kslib.Conn(b.sasl_port)
    sasllib.handshake(c, "SCRAM-SHA-256", 1)
    cl = sasllib.ScramClient("alice", ALICE_PW, "SCRAM-SHA-256")
    r1 = sasllib.authenticate(c, cl.first(), 1)
    fin = cl.final(r1.auth_bytes).replace(b",r=", b",r=X", 1)
    r = sasllib.authenticate(c, fin, 1)
    t.check(r.error == SASL_AUTHENTICATION_FAILED and "nonce" in (r.message or ""), "client-final with a wrong nonce: 58")
    c.close()
    # PLAIN with another authorization id
    c = kslib.Conn(b.sasl_port)
    sasllib.handshake(c, "PLAIN", 1)
    r = sasllib.authenticate(c, b"bob\0alice\0" + ALICE_PW.encode(), 1)
    t.check(r.error == SASL_AUTHENTICATION_FAILED and "authorization id" in (r.message or ""),
            "PLAIN with another authorization id: 58")
    c.close()
    # raw mode (handshake v0): a wrong password just closes the connection
    c = kslib.Conn(b.sasl_port)
    err, _ = sasllib.handshake(c, "PLAIN", 0)
    tok = b"\0alice\0" + WRONG_PW.encode()
    c.send(kslib.i32(len(tok)) + tok)
    t.check(err == 0 and c.expect_closed(3), "raw PLAIN token with a wrong password: connection closed, no answer")
    c.close()
    c = kslib.Conn(b.sasl_port)
    sasllib.handshake(c, "PLAIN", 0)
    tok = b"\0alice\0" + ALICE_PW.encode()
    c.send(kslib.i32(len(tok)) + tok)
    t.check(c._recv_exact(4, time.monotonic() + 3) == b"\0\0\0\0" and sasllib.metadata_v1(c) == 1,
            "raw PLAIN token: an empty token back, then Kafka requests")
    c.close()


def check_delete_and_restart(t, b):
    r = kctl(b, "users", "delete", "alice", "--mechanism", "SCRAM-SHA-512")
    t.check(r.returncode == 0, "kafscalectl users delete alice --mechanism SCRAM-SHA-512")
    r = kcat(b, "SCRAM-SHA-512", "alice", ALICE_PW, ["-L", "-m", "3"])
    t.check(r.returncode != 0 and (KAFKA_MSG % "SCRAM-SHA-512") in r.stderr,
            "after the deletion alice's SCRAM-SHA-512 login fails")
    r = kcat(b, "SCRAM-SHA-256", "alice", ALICE_PW, ["-L"])
    t.check(r.returncode == 0, "alice's SCRAM-SHA-256 login still works")
    r = kctl(b, "users", "delete", "alice", "--mechanism", "SCRAM-SHA-512")
    t.check(r.returncode == 1 and "no SCRAM-SHA-512 credential" in r.stderr, "deleting it again: exit 1")
    res = sasllib.alter_scram(b.port, deletions=[("bob", 1), ("bob", 2)])
    t.check(res == {"bob": (0, None)}, "AlterUserScramCredentials deletes both of bob's credentials")
    r = kcat(b, "PLAIN", "bob", BOB_PW, ["-L", "-m", "3"])
    t.check(r.returncode != 0 and (KAFKA_MSG % "PLAIN") in r.stderr, "bob's next login fails")
    r = kctl(b, "users", "delete", "bob")
    t.check(r.returncode == 1 and "not found" in r.stderr, "kafscalectl users delete of a user without credentials: exit 1")

    # metrics
    text = sasllib.metrics(b)
    for mech in MECHS:
        ok = sasllib.metric(text, "kafscale_sasl_authentications_total",
                            'mechanism="%s",result="success"' % mech)
        bad = sasllib.metric(text, "kafscale_sasl_authentications_total",
                             'mechanism="%s",result="failure"' % mech)
        t.check(ok >= 5 and bad >= 3, "metrics count %s successes (%d) and failures (%d)" % (mech, ok, bad))

    b.stop()
    start_broker(t, "b1", b)
    r = kcat(b, "SCRAM-SHA-256", "alice", ALICE_PW, ["-C", "-t", "kcat-plain", "-o", "beginning", "-e", "-q"])
    t.check(r.returncode == 0 and r.stdout.count("\n") == 20, "after a restart alice logs in and reads her data")
    top, d, order = sasllib.describe_scram(b.port)
    t.check(order == ["alice"] and d["alice"][2] == {1: 4096}, "after a restart only alice's SCRAM-SHA-256 remains")
    r = kcat(b, "SCRAM-SHA-256", "bob", BOB_PW, ["-L", "-m", "3"])
    t.check(r.returncode != 0, "the deleted bob stays deleted after a restart")


def main(t):
    b = start_broker(t, "b1")
    create_users(t, b)
    check_raw(t, b)
    check_kcat(t, b)
    check_confluent(t, b)
    check_kafka_python(t, b)
    check_delete_and_restart(t, b)
    log = b.log_text()
    for pw in (ALICE_PW, BOB_PW, WRONG_PW):
        t.check(pw not in log, "the password %s... never appears in the broker log" % pw[:4])
    t.check(b.wait_log(r'authentication failed for user "alice" from 127\.0\.0\.1:\d+ \(SCRAM-SHA-512\)', 1),
            "failures are logged with the user name, the peer and the mechanism")
    b.stop()


if __name__ == "__main__":
    kslib.Test("sasl", timeout=170).run(main)

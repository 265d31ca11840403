#!/usr/bin/python3
"""SASL sessions and re-authentication (KIP-368) with
connections.max.reauth.ms=3000, and sasl.enabled.mechanisms without
SCRAM-SHA-512:
- a raw SCRAM client (SaslAuthenticate v1) is told session_lifetime_ms =
  3000, re-authenticates on the same connection before the end while a
  Metadata request sent just before the re-authentication is answered
  normally, then lets the session end: its next request closes the
  connection, as does a raw-token (SaslHandshake v0) connection's;
- re-authentication with another mechanism (33) or as another user (58,
  "Cannot change principals") fails and closes the connection; one after
  the end of the session is still allowed;
- librdkafka 2.0.2 (confluent-kafka, SaslAuthenticate v0, no KIP-368) is
  disconnected at each session end and reconnects: an acks=all producer
  running over several session ends gets every message acknowledged, and
  they are all there;
- kafkajs 2.2.4 re-authenticates (reauthenticationThreshold) while it
  produces, and is never disconnected for it;
- the disabled SCRAM-SHA-512 gets UNSUPPORTED_SASL_MECHANISM; without
  connections.max.reauth.ms (other broker) the lifetime is 0 and sessions
  do not end."""
import os
import shutil
import subprocess
import sys
import time

sys.dont_write_bytecode = True   # no __pycache__ in the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import kslib  # noqa: E402
import sasllib  # noqa: E402
from sasllib import UNSUPPORTED_SASL_MECHANISM, SASL_AUTHENTICATION_FAILED  # noqa: E402

from confluent_kafka import Producer, Consumer, TopicPartition, OFFSET_BEGINNING  # noqa: E402

REAUTH_MS = 3000
PW = {"alice": "Al1ce-reauth-pw", "carol": "Car0l-reauth-pw"}
HERE = os.path.dirname(os.path.abspath(__file__))


def start_broker(t, name, opts):
    b = kslib.Broker(t, name, opts, start=False)
    plain, b.sasl_port = kslib.free_port(), kslib.free_port()
    b.opts["listeners"] = "SASL_PLAINTEXT://127.0.0.1:%d,PLAINTEXT://127.0.0.1:%d" % (b.sasl_port, plain)
    b.opts["num.partitions"] = "1"
    b.start(port=plain)
    for user, pw in PW.items():
        res = sasllib.alter_scram(b.port, upsertions=[(user, 1, 4096, pw)])
        if res != {user: (0, None)}:
            raise kslib.Failure("could not create user %s: %r" % (user, res))
    return b


def check_raw_reauth(t, b):
    # a client in raw-token mode (SaslHandshake v0, as kafka-python) cannot
    # re-authenticate: its session ends as well (checked below)
    c0 = kslib.Conn(b.sasl_port, timeout=10)
    err, _ = sasllib.handshake(c0, "PLAIN", 0)
    tok = b"\0alice\0" + PW["alice"].encode()
    c0.send(kslib.i32(len(tok)) + tok)
    t.check(err == 0 and c0._recv_exact(4, time.monotonic() + 3) == b"\0\0\0\0" and sasllib.metadata_v1(c0) == 1,
            "raw-token PLAIN login (handshake v0), then Metadata")
    c = kslib.Conn(b.sasl_port, timeout=10)
    r = sasllib.scram_login(c, "alice", PW["alice"], "SCRAM-SHA-256", 1)
    t0 = time.monotonic()
    t.check(r.error == 0 and r.lifetime_ms == REAUTH_MS,
            "SaslAuthenticate v1 answers session_lifetime_ms=%d (got %r)" % (REAUTH_MS, r.lifetime_ms))
    t.check(sasllib.metadata_v1(c) == 1, "Metadata within the session")
    time.sleep(1.5)
    # a request in flight, then the re-authentication on the same connection
    c.send(kslib.request(3, 1, kslib.i32(-1), corr=501))
    c.send(kslib.request(17, 1, kslib.string("SCRAM-SHA-256"), corr=502))
    rd = kslib.Reader(c.recv_frame())
    t.check(rd.i32() == 501 and rd.i32() == 1, "the Metadata request sent before the re-authentication is answered")
    rd = kslib.Reader(c.recv_frame())
    t.check(rd.i32() == 502 and rd.i16() == 0, "SaslHandshake v1 on an authenticated connection starts a re-authentication")
    cl = sasllib.ScramClient("alice", PW["alice"], "SCRAM-SHA-256")
    r1 = sasllib.authenticate(c, cl.first(), 1)
    r2 = sasllib.authenticate(c, cl.final(r1.auth_bytes), 1)
    t1 = time.monotonic()
    t.check(r2.error == 0 and cl.check_server_final(r2.auth_bytes) and r2.lifetime_ms == REAUTH_MS,
            "re-authentication succeeds with a new lifetime")
    # past the first session's end, within the second's
    time.sleep(max(0, t0 + REAUTH_MS / 1000 + 0.5 - time.monotonic()))
    try:
        n = sasllib.metadata_v1(c)
    except kslib.Closed:
        n = None
    t.check(n == 1 and time.monotonic() < t1 + REAUTH_MS / 1000,
            "after the first session's end the re-authenticated connection still serves requests")
    time.sleep(max(0, t1 + REAUTH_MS / 1000 + 0.3 - time.monotonic()))
    c.send(kslib.request(3, 1, kslib.i32(-1), corr=503))
    t.check(c.expect_closed(3), "after the session's end a Metadata request closes the connection")
    c.close()
    c0.send(kslib.request(3, 1, kslib.i32(-1), corr=504))
    t.check(c0.expect_closed(3), "... and so it does on the raw-token (v0) connection")
    c0.close()
    t.check(b.wait_log(r"its SASL session ended .* and it sent Metadata instead of re-authenticating", 2),
            "the broker logs the end of the session")

    # re-authentication after the end of the session is still allowed
    c = kslib.Conn(b.sasl_port, timeout=10)
    r = sasllib.plain_login(c, "alice", PW["alice"], 1)
    t.check(r.error == 0 and r.lifetime_ms == REAUTH_MS, "PLAIN v1 also gets the lifetime")
    time.sleep(REAUTH_MS / 1000 + 0.3)
    r = sasllib.plain_login(c, "alice", PW["alice"], 1)
    t.check(r.error == 0 and sasllib.metadata_v1(c) == 1,
            "re-authentication after the session ended (SaslHandshake first) is allowed")
    c.close()

    # another mechanism: 33, closed
    c = kslib.Conn(b.sasl_port, timeout=10)
    sasllib.scram_login(c, "alice", PW["alice"], "SCRAM-SHA-256", 1)
    err, mechs = sasllib.handshake(c, "PLAIN", 1)
    t.check(err == UNSUPPORTED_SASL_MECHANISM and c.expect_closed(3),
            "re-authentication with another mechanism: UNSUPPORTED_SASL_MECHANISM, closed")
    c.close()
    # another user: 58, closed
    c = kslib.Conn(b.sasl_port, timeout=10)
    sasllib.scram_login(c, "alice", PW["alice"], "SCRAM-SHA-256", 1)
    r = sasllib.scram_login(c, "carol", PW["carol"], "SCRAM-SHA-256", 1)
    t.check(r.error == SASL_AUTHENTICATION_FAILED and "Cannot change principals" in (r.message or "")
            and c.expect_closed(3), "re-authentication as another user: 58 (%s), closed" % r.message)
    c.close()
    # a wrong password during re-authentication: 58, closed
    c = kslib.Conn(b.sasl_port, timeout=10)
    sasllib.scram_login(c, "alice", PW["alice"], "SCRAM-SHA-256", 1)
    r = sasllib.scram_login(c, "alice", "wrong", "SCRAM-SHA-256", 1)
    t.check(r.error == SASL_AUTHENTICATION_FAILED and "re-authentication" in (r.message or "") and c.expect_closed(3),
            "re-authentication with a wrong password: 58, closed")
    c.close()
    # re-authentication needs SaslHandshake v1 (v0 would switch to raw tokens)
    c = kslib.Conn(b.sasl_port, timeout=10)
    sasllib.scram_login(c, "alice", PW["alice"], "SCRAM-SHA-256", 0)
    err, _ = sasllib.handshake(c, "SCRAM-SHA-256", 0)
    t.check(err != 0 and c.expect_closed(3), "SaslHandshake v0 on an authenticated connection is refused")
    c.close()
    # disabled mechanism
    c = kslib.Conn(b.sasl_port, timeout=10)
    err, mechs = sasllib.handshake(c, "SCRAM-SHA-512", 1)
    t.check(err == UNSUPPORTED_SASL_MECHANISM and mechs == ["PLAIN", "SCRAM-SHA-256"],
            "SCRAM-SHA-512 (not in sasl.enabled.mechanisms): 33 with %r" % mechs)
    c.close()


def check_librdkafka(t, b):
    """librdkafka 2.0.2 does not re-authenticate: it is disconnected at
    each session end and reconnects; nothing acknowledged is lost."""
    before = sasllib.metric(sasllib.metrics(b), "kafscale_sasl_sessions_expired_total")
    conf = {"bootstrap.servers": "127.0.0.1:%d" % b.sasl_port, "security.protocol": "SASL_PLAINTEXT",
            "sasl.mechanisms": "SCRAM-SHA-256", "sasl.username": "alice", "sasl.password": PW["alice"]}
    acked, errs = [], []
    p = Producer(dict(conf, **{"acks": "all", "linger.ms": 5, "enable.idempotence": True}))
    end, n = time.monotonic() + 3.5 * REAUTH_MS / 1000, 0
    while time.monotonic() < end:
        p.produce("rdk-reauth", b"m%d" % n,
                  callback=lambda e, m: errs.append(str(e)) if e else acked.append(m.value()))
        n += 1
        p.poll(0.02)
    left = p.flush(30)
    t.check(left == 0 and not errs and len(acked) == n,
            "confluent-kafka producer over %.1f sessions: %d of %d acknowledged, errors %r"
            % (3.5, len(acked), n, errs[:3]))
    expired = sasllib.metric(sasllib.metrics(b), "kafscale_sasl_sessions_expired_total") - before
    t.check(expired >= 2, "its connections were closed at session ends (%d times) and it reconnected" % expired)
    c = Consumer(dict(conf, **{"group.id": "rdk-reauth", "enable.auto.commit": False}))
    c.assign([TopicPartition("rdk-reauth", 0, OFFSET_BEGINNING)])
    got, end = set(), time.monotonic() + 20
    while len(got) < n and time.monotonic() < end:
        m = c.poll(0.5)
        if m is not None and m.error() is None:
            got.add(m.value())
    c.close()
    t.check(got == set(acked), "every acknowledged message is there (%d of %d)" % (len(got), len(acked)))


def check_kafkajs(t, b):
    if shutil.which("node") is None or not os.path.isdir(os.path.join(HERE, "node_modules", "kafkajs")):
        kslib.log("no node or kafkajs: kafkajs re-authentication not checked")
        return
    text = sasllib.metrics(b)
    re0 = sasllib.metric(text, "kafscale_sasl_reauthentications_total")
    ex0 = sasllib.metric(text, "kafscale_sasl_sessions_expired_total")
    pwfile = os.path.join(t.tmp, "alice.pw")
    with open(pwfile, "w") as f:
        f.write(PW["alice"])
    r = subprocess.run(["node", os.path.join(HERE, "test_sasl_kafkajs.js"), "127.0.0.1:%d" % b.sasl_port,
                        "SCRAM-SHA-256", "alice", pwfile, "kjs-reauth", "7000", "2000"],
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=60, universal_newlines=True,
                       cwd=HERE)
    t.check(r.returncode == 0, "kafkajs produces for 7 s and consumes everything: %s%s" % (r.stdout, r.stderr[-300:]))
    text = sasllib.metrics(b)
    reauth = sasllib.metric(text, "kafscale_sasl_reauthentications_total") - re0
    expired = sasllib.metric(text, "kafscale_sasl_sessions_expired_total") - ex0
    t.check(reauth >= 2 and expired == 0,
            "kafkajs re-authenticated %d times on its connections and no session of it ended" % reauth)


def check_no_expiry(t):
    b = start_broker(t, "noexp", {})
    c = kslib.Conn(b.sasl_port, timeout=10)
    r = sasllib.scram_login(c, "alice", PW["alice"], "SCRAM-SHA-256", 1)
    t.check(r.error == 0 and r.lifetime_ms == 0, "without connections.max.reauth.ms the lifetime is 0")
    err, mechs = sasllib.handshake(kslib.Conn(b.sasl_port), "GSSAPI", 1)
    t.check(mechs == ["PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512"], "the default mechanisms are all three")
    time.sleep(REAUTH_MS / 1000 + 0.5)
    t.check(sasllib.metadata_v1(c) == 1, "... and the session does not end")
    c.close()
    b.stop()


def main(t):
    b = start_broker(t, "b1", {"connections.max.reauth.ms": str(REAUTH_MS),
                               "sasl.enabled.mechanisms": "PLAIN,SCRAM-SHA-256"})
    check_raw_reauth(t, b)
    check_librdkafka(t, b)
    check_kafkajs(t, b)
    b.stop()
    check_no_expiry(t)


if __name__ == "__main__":
    kslib.Test("sasl-reauth", timeout=120).run(main)

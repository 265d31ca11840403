#!/usr/bin/python3
"""Throttling of failed SASL authentication
(connection.failed.authentication.delay.ms) and the PLAIN cache, with raw
frames on a SASL_PLAINTEXT listener, one worker:
- delay 400 ms: each of 5 wrong-password PLAIN logins (SaslAuthenticate)
  is answered with SASL_AUTHENTICATION_FAILED no sooner than 400 ms, then
  the connection is closed; so are a wrong SCRAM proof and a raw-token
  (SaslHandshake v0) failure, which sees only the close; meanwhile the
  worker answers other connections at once (its loop is not blocked); a
  client that hangs up during the delay leaves the broker fine; a correct
  login right after is fast;
- PLAIN cache: with an expensive credential (SCRAM-SHA-512, 16384
  iterations) a repeated login of the same user and password is much
  faster than a first one; after the password changes, the old password
  is refused (the cached success is not used) and the new one accepted;
- the default (100 ms) delays, 0 answers at once."""
import os
import sys
import time

sys.dont_write_bytecode = True   # no __pycache__ in the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import kslib  # noqa: E402
import sasllib  # noqa: E402
from sasllib import SASL_AUTHENTICATION_FAILED  # noqa: E402

PW = "Thr0ttle-pw-alice"
N = 5


def start_broker(t, name, delay):
    b = kslib.Broker(t, name, {"workers": "1", "num.partitions": "1"}, start=False)
    plain, b.sasl_port = kslib.free_port(), kslib.free_port()
    b.opts["listeners"] = "SASL_PLAINTEXT://127.0.0.1:%d,PLAINTEXT://127.0.0.1:%d" % (b.sasl_port, plain)
    if delay is not None:
        b.opts["connection.failed.authentication.delay.ms"] = str(delay)
    b.start(port=plain)
    res = sasllib.alter_scram(b.port, upsertions=[("alice", 1, 4096, PW)])
    if res != {"alice": (0, None)}:
        raise kslib.Failure("could not create alice: %r" % res)
    return b


def wrong_plain(b, user="alice", pw="wr0ng"):
    """One failing PLAIN login: (seconds until the answer, error, closed after)."""
    c = kslib.Conn(b.sasl_port, timeout=10)
    err, _ = sasllib.handshake(c, "PLAIN", 1)
    if err != 0:
        raise kslib.Failure("SaslHandshake PLAIN: %d" % err)
    t0 = time.monotonic()
    r = sasllib.authenticate(c, b"\0" + user.encode() + b"\0" + pw.encode(), 1)
    took = time.monotonic() - t0
    cl = c.expect_closed()
    c.close()
    return took, r.error, cl


def plain_login_time(b, user, pw):
    c = kslib.Conn(b.sasl_port, timeout=10)
    t0 = time.monotonic()
    r = sasllib.plain_login(c, user, pw, 1)
    took = time.monotonic() - t0
    ok = r.error == 0 and sasllib.metadata_v1(c) == 1
    c.close()
    return took, ok


def check_delay(t, b, delay):
    d = delay / 1000.0
    t0 = time.monotonic()
    res = [wrong_plain(b) for _ in range(N)]
    total = time.monotonic() - t0
    t.check(all(e == SASL_AUTHENTICATION_FAILED and cl for _, e, cl in res),
            "%d wrong PLAIN passwords: SASL_AUTHENTICATION_FAILED, then the connection closed: %s" % (N, res))
    t.check(all(took >= d * 0.95 for took, _, _ in res) and total >= N * d * 0.95,
            "each failure answered after >= %d ms (%s), %d take %.2f s >= %.2f s"
            % (delay, ["%.3f" % x for x, _, _ in res], N, total, N * d))
    took, ok = plain_login_time(b, "alice", PW)
    t.check(ok and took < d / 2, "a correct login right after is fast: %.3f s" % took)

    # a wrong SCRAM proof
    c = kslib.Conn(b.sasl_port, timeout=10)
    t0 = time.monotonic()
    r = sasllib.scram_login(c, "alice", "wr0ng", "SCRAM-SHA-256", 1)
    took = time.monotonic() - t0
    t.check(r.error == SASL_AUTHENTICATION_FAILED and took >= d * 0.95 and c.expect_closed(),
            "a wrong SCRAM proof: %d after %.3f s, then closed" % (r.error, took))
    c.close()

    # raw tokens after SaslHandshake v0: only the close tells
    c = kslib.Conn(b.sasl_port, timeout=10)
    err, _ = sasllib.handshake(c, "PLAIN", 0)
    tok = b"\0alice\0wr0ng"
    t0 = time.monotonic()
    c.send(kslib.i32(len(tok)) + tok)
    cl = c.expect_closed(timeout=d + 3)
    took = time.monotonic() - t0
    t.check(err == 0 and cl and took >= d * 0.95, "raw-token PLAIN failure: closed after %.3f s" % took)
    c.close()

    # the worker's loop goes on during a delay (one worker)
    c = kslib.Conn(b.sasl_port, timeout=10)
    sasllib.handshake(c, "PLAIN", 1)
    c.send(kslib.request(36, 1, sasllib.bytes_(b"\0alice\0wr0ng"), corr=4242))
    time.sleep(0.02)
    p = kslib.Conn(b.port, timeout=10)
    t0 = time.monotonic()
    n = sasllib.metadata_v1(p)
    took = time.monotonic() - t0
    p.close()
    r = sasllib.read_authenticate(c, 4242, 1)
    t.check(n == 1 and took < d / 2 and r.error == SASL_AUTHENTICATION_FAILED,
            "during a delayed failure the worker answers another connection in %.3f s" % took)
    c.close()

    # a client that hangs up during the delay
    c = kslib.Conn(b.sasl_port, timeout=10)
    sasllib.handshake(c, "PLAIN", 1)
    c.send(kslib.request(36, 1, sasllib.bytes_(b"\0alice\0wr0ng"), corr=4243))
    time.sleep(0.02)
    c.close()
    time.sleep(d + 0.2)
    took, ok = plain_login_time(b, "alice", PW)
    t.check(ok and b.proc.poll() is None, "a client gone during the delay: the broker goes on")


def check_cache(t, b):
    users = ["u%d" % i for i in range(5)]
    for u in users:
        res = sasllib.alter_scram(b.port, upsertions=[(u, 2, 16384, PW + u)])
        if res != {u: (0, None)}:
            raise kslib.Failure("could not create %s: %r" % (u, res))
    first = []
    for u in users:
        took, ok = plain_login_time(b, u, PW + u)
        t.check(ok, "first PLAIN login of %s" % u)
        first.append(took)
    again = [plain_login_time(b, "u0", PW + "u0") for _ in range(10)]
    t.check(all(ok for _, ok in again), "10 more PLAIN logins of u0")
    again = [took for took, _ in again]
    t.check(min(again) < min(first) / 2,
            "a repeated PLAIN login skips the PBKDF2: fastest %.4f s against %.4f s for first logins"
            % (min(again), min(first)))
    # a new password: the cached success of the old one is dead
    res = sasllib.alter_scram(b.port, upsertions=[("u0", 2, 16384, "N3w-" + PW)])
    t.check(res == {"u0": (0, None)}, "u0's password changed: %r" % res)
    ok_new = kslib.wait_until(lambda: plain_login_time(b, "u0", "N3w-" + PW)[1], 5)
    took, err, cl = wrong_plain(b, "u0", PW + "u0")
    t.check(ok_new and err == SASL_AUTHENTICATION_FAILED and cl,
            "after the change the new password is accepted, the old one refused (%d)" % err)


def main(t):
    b = start_broker(t, "delay", 400)
    check_delay(t, b, 400)
    check_cache(t, b)
    log = b.log_text()
    t.check(PW not in log and "wr0ng" not in log and "N3w-" not in log, "no password in the broker's log")
    b.stop()

    b = start_broker(t, "default", None)
    res = [wrong_plain(b) for _ in range(3)]
    t.check(all(e == SASL_AUTHENTICATION_FAILED and cl and took >= 0.095 for took, e, cl in res),
            "the default delay, 100 ms: %s" % ["%.3f" % x for x, _, _ in res])
    b.stop()

    b = start_broker(t, "nodelay", 0)
    res = [wrong_plain(b) for _ in range(3)]
    t.check(all(e == SASL_AUTHENTICATION_FAILED and cl for _, e, cl in res) and min(x for x, _, _ in res) < 0.08,
            "delay 0: answered at once: %s" % ["%.3f" % x for x, _, _ in res])
    took, ok = plain_login_time(b, "alice", PW)
    t.check(ok, "delay 0: a correct login")
    b.stop()


if __name__ == "__main__":
    t = kslib.Test("sasl_throttle", timeout=120)
    t.run(main)

#!/usr/bin/python3
"""Bad client input, answered the way Kafka answers it.

Kafka closes the connection on a frame it cannot take: size < 0 or larger
than socket.request.max.bytes (InvalidReceiveException), a header or body it
cannot parse, an unknown API key or an unsupported version of any API other
than ApiVersions (InvalidRequestException -> "Closing socket"). ApiVersions
with an unsupported version gets an ApiVersions v0 response with error 35
UNSUPPORTED_VERSION listing the ApiVersions versions it supports (KIP-511),
and the connection stays usable. Idle connections are closed after
connections.max.idle.ms.

Each bad frame must: close that connection without any bytes sent, leave the
broker serving (new and established connections; no child crashed), and
leave one log line above debug level that names the peer (127.0.0.1:PORT)."""
import os
import re
import resource
import select
import socket
import subprocess
import sys
import time

sys.dont_write_bytecode = True   # no __pycache__ in the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import kslib  # noqa: E402
from kslib import i16, i32, string, request, uvarint, compact_string  # noqa: E402

MAX_BYTES = 1048576


def bad_frames():
    md4_head = i16(3) + i16(4) + i32(11) + string("kslib")
    truncated_md4 = md4_head + i32(2) + string("abcdef") + i16(50) + b"abc"  # 2nd name cut, no flag byte
    md1_huge_array = i16(3) + i16(1) + i32(12) + string("kslib") + i32(0x7FFFFFF0) + string("abc")
    long_client_id = i16(3) + i16(1) + i32(13) + i16(500) + b"xy"
    return [
        ("size 0", i32(0)),
        ("size -1 (0xFFFFFFFF)", b"\xff\xff\xff\xff"),
        ("size 2 MiB > socket.request.max.bytes=%d" % MAX_BYTES, i32(2 << 20) + i16(18) + i16(0) + i32(1)),
        ("size 3 (shorter than a request header)", i32(3) + b"abc"),
        ("HTTP request on the Kafka port", b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"),
        ("Metadata v4 with a truncated body", i32(len(truncated_md4)) + truncated_md4),
        ("Metadata v1 whose topic array count exceeds the frame", i32(len(md1_huge_array)) + md1_huge_array),
        ("header whose client_id runs past the frame", i32(len(long_client_id)) + long_client_id),
        ("64 bytes of garbage", i32(64) + b"\xde\xad\xbe\xef" * 16),
        ("unknown API key 999", request(999, 0, b"", corr=14)),
        ("unknown API key -1", request(-1, 0, b"", corr=15)),
        ("Metadata v99 (unsupported version)", request(3, 99, i32(0), corr=16)),
        ("CreateTopics v99 (unsupported version)", request(19, 99, i32(0) + i32(1000), corr=17)),
    ]


def peer_log_line(b, peer, timeout=2.0):
    rx = re.compile(r"^\S+ (error|warn|info) .*\b%s\b" % re.escape(peer))
    return b.wait_log(rx, timeout)


def parse_api_versions_v3(body):
    r = kslib.Reader(body)
    corr = r.i32()               # response header v0 even for v3
    err = r.i16()
    keys = {}
    for _ in range(r.uvarint() - 1):
        k, lo, hi = r.i16(), r.i16(), r.i16()
        r.tagged()
        keys[k] = (lo, hi)
    r.i32()                      # throttle_time_ms
    r.tagged()
    return corr, err, keys, r.remaining()


def case_api_versions(t, b):
    c = kslib.Conn(b.port)
    # ApiVersions v99, sent the way a future client would: header v2, flexible body
    c.send(request(18, 99, compact_string("future-client") + compact_string("9.9") + uvarint(0),
                   corr=99, header_version=2))
    r = kslib.Reader(c.recv_frame())
    corr, err = r.i32(), r.i16()
    keys = {}
    for _ in range(r.i32()):
        k, lo, hi = r.i16(), r.i16(), r.i16()
        keys[k] = (lo, hi)
    t.check(corr == 99, "ApiVersions v99: answer carries correlation id 99 (got %d)" % corr)
    t.check(err == 35, "ApiVersions v99: error 35 UNSUPPORTED_VERSION (got %d)" % err)
    t.check(18 in keys and keys[18][0] == 0 and keys[18][1] >= 3,
            "ApiVersions v99: the v0 answer lists ApiVersions 0..>=3 (got %s)" % (keys.get(18),))
    t.check(r.remaining() == 0, "ApiVersions v99: answer is exactly a v0 body (%d extra bytes)" % r.remaining())
    # the connection stays usable: v0 on the same socket
    corr, err, keys0 = kslib.api_versions(c, 0, corr=100)
    t.check(corr == 100 and err == 0, "ApiVersions v0 on the same connection after v99: error %d" % err)
    for k in (3, 18, 19, 20, 37):
        t.check(k in keys0, "ApiVersions v0 advertises API key %d" % k)
    t.check(keys0.get(3, (9,))[0] == 0 and keys0.get(18, (9,))[0] == 0,
            "Metadata and ApiVersions are advertised from v0: %s %s" % (keys0.get(3), keys0.get(18)))
    # and v3 (what librdkafka sends first) answers the same table
    c.send(request(18, 3, compact_string("ks-e2e") + compact_string("1.0") + uvarint(0),
                   corr=101, header_version=2))
    corr, err, keys3, extra = parse_api_versions_v3(c.recv_frame())
    t.check(corr == 101 and err == 0 and extra == 0, "ApiVersions v3: corr %d error %d extra %d" % (corr, err, extra))
    t.check(keys3 == keys0, "ApiVersions v3 and v0 advertise the same table")
    c.close()


def case_bad_frames(t, b):
    steady = kslib.Conn(b.port)
    _, err, _ = kslib.api_versions(steady, 0, corr=1)
    kids_before = sorted(kslib.children(b.pid))
    for i, (what, data) in enumerate(bad_frames()):
        c = kslib.Conn(b.port)
        peer = c.peer_name
        try:
            c.send(data)
        except OSError:
            pass    # the broker may close before it read everything
        try:
            closed = c.expect_closed(3.0)
        except kslib.Failure as e:
            closed = False
            kslib.log(str(e))
        c.close()
        t.check(closed, "%s: broker closed the connection without answering" % what)
        t.check(kslib.broker_serving(b.port), "%s: broker still serves new connections" % what)
        line = peer_log_line(b, peer)
        t.check(line is not None, "%s: log line naming peer %s: %s" % (what, peer, line))
    corr, err, _ = kslib.api_versions(steady, 0, corr=2)
    t.check(corr == 2 and err == 0, "a connection opened before the bad frames is still served")
    steady.close()
    kids_after = sorted(kslib.children(b.pid))
    t.check(kids_after == kids_before, "no child process died during the bad-input cases: %s -> %s"
            % (kids_before, kids_after))
    r = subprocess.run(["kcat", "-L", "-b", b.addr, "-m", "5"], stdout=subprocess.DEVNULL,
                       stderr=subprocess.PIPE, timeout=10)
    t.check(r.returncode == 0, "kcat -L works after the bad-input cases")


def case_idle(t):
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < 4500:
        resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, 8192), hard))
    # the broker inherits the raised limit
    b = kslib.Broker(t, "idle", {"connections.max.idle.ms": "2000", "log.level": "info",
                                 "max.connections.per.ip": "0"})
    n = 2000
    conns = []
    opened = {}
    t0 = time.monotonic()
    for _ in range(n):
        s = socket.socket()
        s.settimeout(5)
        try:
            s.connect(("127.0.0.1", b.port))
        except OSError as e:
            t.fail("could open only %d of %d connections: %s" % (len(conns), n, e))
        conns.append(s)
        opened[s.fileno()] = time.monotonic()
    t_open = time.monotonic()
    kslib.log("opened %d idle connections in %.2f s" % (n, t_open - t0))
    k0 = time.monotonic()
    r = subprocess.run(["kcat", "-L", "-b", b.addr, "-m", "5"], stdout=subprocess.DEVNULL,
                       stderr=subprocess.PIPE, timeout=10)
    dt = time.monotonic() - k0
    t.check(r.returncode == 0 and dt <= 2.0, "kcat -L with %d idle connections open: rc %d in %.2f s"
            % (n, r.returncode, dt))
    active = kslib.Conn(b.port)
    p = select.poll()
    fdmap = {}
    for s in conns:
        p.register(s.fileno(), select.POLLIN | select.POLLHUP | select.POLLERR)
        fdmap[s.fileno()] = s
    closed = set()
    too_early = []
    deadline = t_open + 2.0 + 4.0
    last_ping = 0
    ping_ok = True
    while len(closed) < n and time.monotonic() < deadline:
        if time.monotonic() - last_ping >= 0.5:
            try:
                corr, err, _ = kslib.api_versions(active, 0, corr=int(time.monotonic() * 10) & 0x7FFF)
                ping_ok = ping_ok and err == 0
            except (OSError, kslib.Closed):
                ping_ok = False
            last_ping = time.monotonic()
        for fd, ev in p.poll(100):
            s = fdmap[fd]
            try:
                s.setblocking(False)
                data = s.recv(16)
            except BlockingIOError:
                continue
            except ConnectionResetError:
                data = b""
            if data:
                t.fail("broker sent bytes on an idle connection: %r" % data)
            p.unregister(fd)
            closed.add(fd)
            age = time.monotonic() - opened[fd]
            if age < 1.5:
                too_early.append(age)
    t.check(len(closed) == n, "idle connections closed by connections.max.idle.ms=2000: %d of %d within 6 s"
            % (len(closed), n))
    t.check(not too_early, "no connection closed before connections.max.idle.ms (%d closed at ages %s s)"
            % (len(too_early), sorted(round(a, 2) for a in too_early)[:5]))
    t.check(ping_ok, "a connection with a request every 0.5 s was served throughout")
    try:
        err = kslib.api_versions(active, 0, corr=5)[1] if ping_ok else -1
    except (OSError, kslib.Closed):
        err = -1
    t.check(err == 0, "the busy connection was not closed as idle")
    active.close()
    for s in conns:
        s.close()
    t.check(kslib.broker_serving(b.port), "broker serves after closing the idle connections")
    b.stop()


def main(t):
    b = kslib.Broker(t, "bad", {"socket.request.max.bytes": str(MAX_BYTES), "message.max.bytes": "1000000",
                                "log.level": "info"})
    case_api_versions(t, b)
    case_bad_frames(t, b)
    b.stop()
    case_idle(t)


if __name__ == "__main__":
    kslib.Test("bad_input").run(main)

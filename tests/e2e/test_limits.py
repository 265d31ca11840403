#!/usr/bin/python3
"""Connection limits and slow clients (issue 8, limits).

- max.connections.per.ip: with 127.0.0.1 as the only address, connections
  beyond the limit are closed at once without a byte, one log line names the
  address; an existing client keeps working; closing connections (and a
  worker killed with its connections) frees their places.
- max.connections: the broker-wide limit, the same way.
- slowloris: a frame header then one byte every 300 ms is cut off within
  request.timeout.ms (+ one tick) of its first byte, while a normal client
  is answered quickly the whole time.
- a client that sends Fetch requests for large data and never reads the
  responses: the worker's memory stays bounded by
  max.buffered.bytes.per.connection (not by what was asked for) and the
  connection is closed after request.timeout.ms without progress.
- 5,000 idle connections: all served, RSS of every process printed and
  bounded."""
import os
import resource
import socket
import subprocess
import sys
import threading
import time

sys.dont_write_bytecode = True   # no __pycache__ in the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import kslib  # noqa: E402
from kslib import i8, i32, i64, string, array, request  # noqa: E402

MiB = 1 << 20


def status_kb(pid, key):
    try:
        with open("/proc/%d/status" % pid) as f:
            for line in f:
                if line.startswith(key + ":"):
                    return int(line.split()[1])
    except OSError:
        pass
    return -1


def procs(b):
    """[(pid, title)]: the master and its children."""
    return [(b.pid, "kafscaled: master")] + [(p, kslib.title(p) or a) for p, a in kslib.children(b.pid)]


def workers(b):
    return [p for p, t in procs(b) if "worker" in t]


def try_conn(port, timeout=3.0):
    """(conn, True) if the broker answers ApiVersions on a new connection,
    (None, False) if it closes it without a byte."""
    c = kslib.Conn(port, timeout)
    try:
        corr, err, _ = kslib.api_versions(c, 0, corr=77)
        if corr == 77 and err == 0:
            return c, True
        raise kslib.Failure("bad ApiVersions answer: corr %d err %d" % (corr, err))
    except kslib.Closed:
        c.close()
        return None, False
    except ConnectionResetError:
        c.close()
        return None, False


def open_until_refused(port, most):
    """Opens connections until one is refused; returns the accepted ones."""
    got = []
    for _ in range(most):
        c, ok = try_conn(port)
        if not ok:
            return got, True
        got.append(c)
    return got, False


def case_per_ip(t):
    b = kslib.Broker(t, "perip", {"max.connections.per.ip": "10", "log.level": "info"})
    time.sleep(0.5)                      # the start-up kcat's connection is closed
    first, ok = try_conn(b.port)
    t.check(ok, "first connection accepted")
    more, refused = open_until_refused(b.port, 20)
    t.check(refused and len(more) == 9,
            "max.connections.per.ip=10: 10 connections from 127.0.0.1 accepted, the 11th refused "
            "(accepted %d)" % (len(more) + 1))
    t.check(b.wait_log(r"warn .*refused a connection from 127\.0\.0\.1: max\.connections\.per\.ip \(10\)")
            is not None, "refusal logged naming the address and the limit")
    corr, err, _ = kslib.api_versions(first, 0, corr=5)
    t.check(corr == 5 and err == 0, "the existing client keeps working after refusals")
    # the log line is rate-limited: a burst of refusals, few lines
    for _ in range(30):
        try_conn(b.port)
    n = len([l for l in b.log_text().splitlines() if "refused a connection" in l])
    t.check(1 <= n <= 3, "refusals logged at most once a second (%d lines for 31 refusals)" % n)
    # closing frees places (the worker tells the master)
    for c in more[:4]:
        c.close()
    time.sleep(0.5)
    again, refused = open_until_refused(b.port, 10)
    t.check(refused and len(again) == 4, "4 closed connections free 4 places (accepted %d)" % len(again))
    # a worker killed with its connections frees theirs
    all_open = [first] + more[4:] + again
    w = workers(b)[0]
    os.kill(w, 9)
    time.sleep(1.5)
    mine = []
    for c in all_open:
        try:
            corr, err, _ = kslib.api_versions(c, 0, corr=6)
            mine.append(c)
        except (kslib.Closed, OSError, kslib.Failure):
            c.close()
    lost = len(all_open) - len(mine)
    again2, refused = open_until_refused(b.port, 20)
    t.check(lost > 0 and refused and len(again2) == lost,
            "kill -9 of a worker frees the places of its %d connections (accepted %d)"
            % (lost, len(again2)))
    for c in mine + again2:
        c.close()
    b.stop()


def case_max_connections(t):
    b = kslib.Broker(t, "maxconn", {"max.connections": "8", "max.connections.per.ip": "0",
                                    "log.level": "info"})
    time.sleep(0.5)
    got, refused = open_until_refused(b.port, 20)
    t.check(refused and len(got) == 8, "max.connections=8: 8 accepted, the 9th refused (accepted %d)"
            % len(got))
    t.check(b.wait_log(r"refused a connection from 127\.0\.0\.1: max\.connections \(8\)") is not None,
            "max.connections refusal logged")
    corr, err, _ = kslib.api_versions(got[0], 0, corr=9)
    t.check(corr == 9 and err == 0, "an existing client keeps working at max.connections")
    for c in got:
        c.close()
    b.stop()


def produce_big(b, topic, mb):
    line = ("x" * 999 + "\n").encode()
    data = line * (mb * 1024)
    r = subprocess.run(["kcat", "-P", "-b", b.addr, "-t", topic, "-p", "0", "-z", "none",
                        "-X", "batch.size=1000000", "-X", "queue.buffering.max.ms=50"],
                       input=data, stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=40)
    if r.returncode != 0:
        raise kslib.Failure("kcat -P failed: %s" % r.stderr.decode(errors="replace")[-400:])


def fetch_v4(topic, offset, max_bytes, corr):
    body = i32(-1) + i32(0) + i32(0) + i32(max_bytes) + i8(0)
    body += array([topic], lambda tp: string(tp) + array([0], lambda p: i32(p) + i64(offset) + i32(max_bytes)))
    return request(1, 4, body, corr=corr)


def case_slow_clients(t):
    b = kslib.Broker(t, "slow", {"request.timeout.ms": "2000", "max.buffered.bytes.per.connection": "4m",
                                 "max.inflight.requests.per.connection": "8", "workers": "1",
                                 "num.partitions": "1", "log.level": "info"})
    # --- slowloris: a frame header, then a byte every 300 ms ---
    stop = threading.Event()
    lat = []
    errors = []

    def normal():
        c = kslib.Conn(b.port, 5)
        i = 0
        while not stop.is_set():
            t0 = time.monotonic()
            try:
                corr, err, _ = kslib.api_versions(c, 0, corr=1000 + i)
                if corr != 1000 + i or err != 0:
                    errors.append("bad answer")
            except Exception as e:             # noqa: BLE001
                errors.append(repr(e))
                return
            lat.append(time.monotonic() - t0)
            i += 1
            time.sleep(0.05)
        c.close()
    th = threading.Thread(target=normal)
    th.start()
    s = socket.create_connection(("127.0.0.1", b.port), 5)
    t0 = time.monotonic()
    s.sendall(i32(100))
    closed_at = None
    sent = 4
    while time.monotonic() - t0 < 6:
        try:
            s.sendall(b"\x00")
            sent += 1
            s.settimeout(0.3)
            d = s.recv(10)
            if d == b"":
                closed_at = time.monotonic() - t0
                break
        except socket.timeout:
            continue
        except (BrokenPipeError, ConnectionResetError):
            closed_at = time.monotonic() - t0
            break
    s.close()
    stop.set()
    th.join()
    t.check(closed_at is not None and 1.9 <= closed_at <= 3.2,
            "slowloris (header + 1 byte / 300 ms) cut off %s s after its first byte "
            "(request.timeout.ms=2000; %d bytes sent)" % (closed_at and "%.2f" % closed_at, sent))
    t.check(b.wait_log(r"request not received whole within request\.timeout\.ms") is not None,
            "the cut-off is logged")
    t.check(not errors and lat and max(lat) < 0.5,
            "a normal client meanwhile: %d answers, slowest %.3f s, errors %s"
            % (len(lat), max(lat) if lat else -1, errors))

    # --- a client that never reads its Fetch responses ---
    produce_big(b, "big", 8)
    w = workers(b)[0]
    base = status_kb(w, "VmRSS")
    c = socket.create_connection(("127.0.0.1", b.port), 5)
    c.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 64 * 1024)
    peak = base
    t0 = time.monotonic()
    c.setblocking(False)
    # 400 Fetch requests of 1 MiB each, written as fast as the broker reads
    frames = [fetch_v4("big", 0, 1 * MiB, 100 + i) for i in range(400)]
    buf = b"".join(frames)
    sent = 0
    while time.monotonic() - t0 < 10:
        try:
            if sent < len(buf):
                sent += c.send(buf[sent:sent + 65536])
        except BlockingIOError:
            pass
        except (BrokenPipeError, ConnectionResetError):
            break
        peak = max(peak, status_kb(w, "VmRSS"))
        if "response bytes not read" in b.log_text():
            break
        time.sleep(0.02)
    i = sent // len(frames[0])
    asked = i * MiB
    c.close()
    grew = (peak - base) / 1024.0
    kslib.log("no-read client: %d Fetch requests of 1 MiB sent (%d MiB asked), worker RSS %d -> peak %d kB"
              % (i, asked // MiB, base, peak))
    t.check(grew < 48, "worker RSS growth with a client not reading: %.1f MiB (limit 48; %d MiB of "
            "responses asked for, max.buffered.bytes.per.connection=4m)" % (grew, asked // MiB))
    t.check(b.wait_log(r"closing connection from 127\.0\.0\.1:\d+: \d+ response bytes not read for "
                       r"request\.timeout\.ms", 4.0) is not None,
            "the client that reads nothing is closed after request.timeout.ms without progress")
    t.check(kslib.wait_until(lambda: kslib.broker_serving(b.port), 10, 0.2),
            "broker serving after the slow clients")
    b.stop()


def case_5000(t):
    n = 5000
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    want = min(hard, 2 * n + 1000)
    if soft < want:
        resource.setrlimit(resource.RLIMIT_NOFILE, (want, hard))
    if want < n + 200:
        t.fail("RLIMIT_NOFILE hard limit %d too low for %d connections" % (hard, n))
    b = kslib.Broker(t, "many", {"max.connections.per.ip": "0", "ring.bytes": "64m",
                                 "log.level": "info"})
    time.sleep(0.3)
    before = {p: (tt, status_kb(p, "VmRSS"), status_kb(p, "RssAnon")) for p, tt in procs(b)}
    t0 = time.monotonic()
    # every one served: ApiVersions on all, then read all answers
    conns, ok = kslib.open_answered(b.port, n)
    dt = time.monotonic() - t0
    t.check(ok == n, "%d idle connections open and answered: %d ok in %.1f s" % (n, ok, dt))
    r0 = time.monotonic()
    r = subprocess.run(["kcat", "-L", "-b", b.addr, "-m", "5"], stdout=subprocess.DEVNULL,
                       stderr=subprocess.DEVNULL, timeout=10)
    t.check(r.returncode == 0 and time.monotonic() - r0 < 2.0,
            "kcat -L with %d connections open: rc %d in %.2f s" % (n, r.returncode, time.monotonic() - r0))
    time.sleep(0.3)
    print("%-8s %-26s %10s %10s %10s %10s" % ("pid", "process", "VmRSS kB", "RssAnon kB", "before", "anon +kB"))
    for p, tt in procs(b):
        vm, an = status_kb(p, "VmRSS"), status_kb(p, "RssAnon")
        bvm, ban = before.get(p, (tt, -1, -1))[1:]
        print("%-8d %-26s %10d %10d %10d %10d" % (p, tt, vm, an, bvm, an - ban))
        limit = 64 * 1024 if "worker" in tt else 16 * 1024
        t.check(an - ban < limit, "%s (pid %d): private memory grew %d kB with %d connections (limit %d kB)"
                % (tt, p, an - ban, n, limit))
    conns_per = [kslib.title(p) for p in workers(b)]
    kslib.log("workers: %s" % conns_per)
    for s in conns:
        s.close()
    b.stop()


def main(t):
    case_per_ip(t)
    case_max_connections(t)
    case_slow_clients(t)
    case_5000(t)


if __name__ == "__main__":
    kslib.Test("limits", timeout=100).run(main)

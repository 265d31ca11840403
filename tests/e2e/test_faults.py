#!/usr/bin/python3
"""Fault injection under load (issue 8, faults): nothing acknowledged is lost.

For each fault an acks=all producer (tests/e2e/rdkafka_check, its own topic,
4 partitions, a capped rate so the fault lands mid-run) records every
acknowledged (partition, offset, seq) in an ack log; the fault is injected
once a quarter of the messages are acknowledged; the producer must then get
every message acknowledged (librdkafka retries), and a checker reads every
partition back: each acknowledged message at exactly its acknowledged
offset with intact content, acknowledged seqs in increasing offset order per
partition (the producer is idempotent), and the broker serving again.

Faults: kill -9 of worker 1, of the flusher, of the coordinator (each
respawned by the master); kill -9 of the master (every child must exit on
its own: PR_SET_PDEATHSIG + the death pipe; a restart on the same data and
port recovers); 10 clean restarts in a row under load.

Prints a table: fault, messages acknowledged, verified, missing, duplicates,
recovery time (fault -> a new connection served and acknowledgements
flowing again)."""
import os
import re
import shutil
import signal
import subprocess
import sys
import time

sys.dont_write_bytecode = True   # no __pycache__ in the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import kslib  # noqa: E402

P = 4
RDK = os.path.join(kslib.BUILDDIR, "tests", "e2e", "rdkafka_check")
# KS_FAULTS_IDEMPOTENT=1: an idempotent producer (see the closing note)
IDEMPOTENT = ["--idempotent"] if os.environ.get("KS_FAULTS_IDEMPOTENT") == "1" else []
rows = []


def child_pid(b, title):
    for p, a in kslib.children(b.pid):
        if (kslib.title(p) or a) == title:
            return p
    return None


def acked(path):
    try:
        with open(path, "rb") as f:
            return f.read().count(b"\n")
    except OSError:
        return 0


def serving(b):
    return kslib.broker_serving(b.port, 1.0) and kslib.kcat_ok(b.port, 2)


def run_phase(t, b, name, n, rate, inject):
    topic = "faults-" + name.replace(" ", "-")
    ack = os.path.join(t.tmp, topic + ".ack")
    perr = open(os.path.join(t.tmp, topic + ".produce.err"), "wb")
    prod = subprocess.Popen([RDK, "produce", "-b", b.addr, "-t", topic, "-n", str(n), "-p", str(P),
                             "-a", "all"] + IDEMPOTENT + ["--rate", str(rate), "--ack-log", ack,
                             "--timeout", "60", "--quiet"],
                            stdout=subprocess.PIPE, stderr=perr)
    kslib.track_pid(prod.pid)
    if not kslib.wait_until(lambda: acked(ack) >= n // 4, 30):
        prod.kill()
        t.fail("%s: the producer did not reach %d acknowledged messages in 30 s (%d)"
               % (name, n // 4, acked(ack)))
    at = acked(ack)
    t0 = time.monotonic()
    inject()
    ok = kslib.wait_until(lambda: serving(b) and acked(ack) > at + 200, 40, 0.05)
    recovery = time.monotonic() - t0
    t.check(ok, "%s: serving and acknowledging again %.2f s after the fault" % (name, recovery))
    try:
        out, _ = prod.communicate(timeout=90)
    except subprocess.TimeoutExpired:
        prod.kill()
        out, _ = prod.communicate()
    perr.close()
    total = acked(ack)
    if not t.check(prod.returncode == 0, "%s: all %d messages acknowledged across the fault (rc %s, %d acked)"
                   % (name, n, prod.returncode, total)):
        with open(perr.name, "rb") as f:
            sys.stderr.write(f.read().decode(errors="replace")[-1500:])
    r = subprocess.run([RDK, "consume", "-b", b.addr, "-t", topic, "-n", str(n), "-p", str(P),
                        "--timeout", "60", "--quiet", "--allow-dups", "--verify-ack-log", ack],
                       stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=90)
    text = r.stdout.decode(errors="replace")
    m = re.search(r"verify: (\d+) acknowledged, (\d+) missing or moved; \d+ read, (\d+) duplicates", text)
    if m is None:
        sys.stderr.write(text[-2000:])
    v_ack, missing, dups = (int(m.group(1)), int(m.group(2)), int(m.group(3))) if m else (0, -1, -1)
    t.check(r.returncode == 0 and missing == 0 and v_ack == total,
            "%s: every one of the %d acknowledged messages read back at its offset (%d missing)"
            % (name, total, missing))
    if r.returncode != 0:
        sys.stderr.write(text[-2000:])
    # order per partition: seqs of a partition grow with their offsets
    by_part = {}
    with open(ack) as f:
        for line in f:
            p, off, seq = (int(x) for x in line.split())
            by_part.setdefault(p, []).append((off, seq))
    disorder = 0
    for p, lst in by_part.items():
        lst.sort()
        disorder += sum(1 for i in range(1, len(lst)) if lst[i][1] <= lst[i - 1][1])
    t.check(disorder == 0, "%s: order per partition preserved (%d out of order)" % (name, disorder))
    rows.append((name, total, v_ack - max(missing, 0), max(missing, 0), dups, recovery))


def kill_child(t, b, title):
    def inject():
        old = child_pid(b, title)
        if old is None:
            t.fail("no child titled %r under the master" % title)
        os.kill(old, signal.SIGKILL)
        p = kslib.wait_until(lambda: (lambda q: q if q not in (None, old) else None)(child_pid(b, title)), 10)
        t.check(p is not None, "'%s' (pid %d) respawned after kill -9" % (title, old))
    return inject


def kill_master(t, b):
    def inject():
        kids = [(p, kslib.title(p)) for p, _ in kslib.children(b.pid)]
        t0 = time.monotonic()
        os.kill(b.pid, signal.SIGKILL)
        b.proc.wait(5)
        exited = {}

        def left():
            for k, tt in kids:
                if k not in exited and not kslib.alive(k):
                    exited[k] = time.monotonic() - t0
            return [(k, tt) for k, tt in kids if k not in exited]
        gone = kslib.wait_until(lambda: not left(), 12)
        t.check(gone, "kill -9 of the master: all %d children exit on their own (%s; left: %s)"
                % (len(kids), ", ".join("%s in %.2f s" % (tt, exited[k]) for k, tt in kids if k in exited),
                   left()))
        for k, _ in left():
            os.kill(k, signal.SIGKILL)
        b.start(port=b.port)
    return inject


def restarts(t, b, times):
    def inject():
        worst = 0.0
        for _ in range(times):
            t0 = time.monotonic()
            b.stop()
            b.start(port=b.port)
            worst = max(worst, time.monotonic() - t0)
            time.sleep(0.3)
        kslib.log("%d restarts under load: slowest stop+start %.2f s" % (times, worst))
    return inject


def main(t):
    global RDK
    if not os.access(RDK, os.X_OK):
        print("SKIP: %s not built" % RDK)
        sys.exit(77)
    # private copies: a rebuild meanwhile must not change the binaries
    shutil.copy2(RDK, os.path.join(t.tmp, "rdkafka_check"))
    RDK = os.path.join(t.tmp, "rdkafka_check")
    shutil.copy2(kslib.KAFSCALED, os.path.join(t.tmp, "kafscaled"))
    kslib.KAFSCALED = os.path.join(t.tmp, "kafscaled")

    b = kslib.Broker(t, "faults", {"num.partitions": str(P), "log.level": "info"})
    t_all = time.monotonic()
    phases = [("kill -9 worker 1", 20000, kill_child(t, b, "kafscaled: worker 1")),
              ("kill -9 flusher", 20000, kill_child(t, b, "kafscaled: flusher")),
              ("kill -9 coordinator", 20000, kill_child(t, b, "kafscaled: coordinator")),
              ("kill -9 master", 20000, kill_master(t, b)),
              ("10 restarts", 60000, restarts(t, b, 10))]
    only = os.environ.get("KS_FAULTS")          # e.g. KS_FAULTS=master,restarts
    for name, n, inject in phases:
        if only and not any(w in name for w in only.split(",")):
            continue
        run_phase(t, b, name, n, 5000, inject)
    t.check(serving(b), "broker serving after all faults")
    print()
    print("%-22s %10s %10s %8s %6s %10s" % ("fault", "acked", "verified", "missing", "dups", "recovery"))
    for name, a, v, m, d, rec in rows:
        print("%-22s %10d %10d %8d %6d %9.2fs" % (name, a, v, m, d, rec))
    print("all faults in %.1f s" % (time.monotonic() - t_all))
    b.stop()


if __name__ == "__main__":
    kslib.Test("faults", timeout=200).run(main)

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
port recovers); 20 clean restarts in a row under load; the S3 server
(s3rver behind the verifying proxy, object.store=s3) stopped for 30 s and
started again on the same port and data; the file object store's disk full
(data.dir on a 64 MiB tmpfs filled up by a filler file until the broker's
writes fail with ENOSPC; needs root and mount, else skipped with a message),
then the filler deleted.  During the S3 and disk outages nothing may be
acknowledged that is not stored: the producer waits or gets retriable
errors, and every broker process stays up.

Prints a table: fault, messages acknowledged, verified, missing, duplicates,
recovery time (fault -> a new connection served and acknowledgements
flowing again; for the 30 s S3 outage and the disk-full phase it counts
from the end of the outage: s3rver started again, the filler deleted; for
the restarts from the last stop).

KS_FAULTS=name,name runs only the faults whose names contain one of them
(e.g. KS_FAULTS=s3,disk)."""
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


def run_phase(t, b, name, n, rate, inject, timeout=60, extra=()):
    topic = "faults-" + name.replace(" ", "-")
    ack = b.ack = os.path.join(t.tmp, topic + ".ack")
    perr = open(os.path.join(t.tmp, topic + ".produce.err"), "wb")
    prod = subprocess.Popen([RDK, "produce", "-b", b.addr, "-t", topic, "-n", str(n), "-p", str(P),
                             "-a", "all"] + IDEMPOTENT + list(extra) + ["--rate", str(rate), "--ack-log", ack,
                             "--timeout", str(timeout), "--quiet"],
                            stdout=subprocess.PIPE, stderr=perr)
    kslib.track_pid(prod.pid)
    if not kslib.wait_until(lambda: acked(ack) >= n // 4, 30):
        prod.kill()
        t.fail("%s: the producer did not reach %d acknowledged messages in 30 s (%d)"
               % (name, n // 4, acked(ack)))
    at = acked(ack)
    t0 = time.monotonic()
    ended = inject()
    if ended is not None:
        # an outage: recovery counts from its end, acks from there on
        t0, at = ended, acked(ack)
    ok = kslib.wait_until(lambda: serving(b) and (acked(ack) > at + 200 or prod.poll() is not None), 40, 0.05)
    recovery = time.monotonic() - t0
    t.check(ok, "%s: serving and acknowledging again %.2f s after the fault" % (name, recovery))
    try:
        out, _ = prod.communicate(timeout=timeout + 30)
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
                        "--timeout", "60", "--quiet", "--allow-dups", "--verify-ack-log", ack] + list(extra),
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
        return t0       # recovery: from the last stop
    return inject


def broker_kids(b):
    return sorted(p for p, _ in kslib.children(b.pid))


def s3_outage(t, b, s3, seconds):
    """Stops s3rver (the proxy stays: the broker sees 502s), waits, starts it
    again with the same argv: same port, same data dir."""
    def inject():
        kids = broker_kids(b)
        argv = list(s3.rver.args)
        port = int(argv[argv.index("-p") + 1])
        s3.rver.terminate()
        try:
            s3.rver.wait(10)
        except subprocess.TimeoutExpired:
            s3.rver.kill()
            s3.rver.wait(5)
        t.check(kslib.wait_until(lambda: not kslib.port_open(port, 0.2), 5),
                "S3 outage: s3rver (port %d) stopped" % port)
        before = acked(b.ack)
        time.sleep(seconds / 2)
        mid = acked(b.ack)
        time.sleep(seconds / 2)
        during = acked(b.ack) - mid
        t.check(kslib.alive(b.pid) and broker_kids(b) == kids,
                "S3 outage: master and every child up through %d s without S3 (no crash, no respawn)" % seconds)
        t.check(serving(b), "S3 outage: the broker answers (metadata) while S3 is down")
        # whatever was acked in the first moments was uploaded before the
        # stop; after that nothing can be stored, so nothing can be acked
        t.check(during == 0, "S3 outage: nothing acknowledged in the second half of the outage "
                "(%d in the first half: uploads already done at the stop)" % (mid - before))
        env = dict(os.environ, NODE_OPTIONS="--openssl-legacy-provider")
        lf = open(os.path.join(os.path.dirname(argv[argv.index("-d") + 1]), "s3rver.log"), "ab")
        s3.rver = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=lf, stderr=lf, env=env,
                                   start_new_session=True)
        lf.close()
        kslib._procs.append(s3.rver)
        t.check(kslib.wait_until(lambda: kslib.port_open(port, 0.2), 15),
                "S3 outage: s3rver started again on port %d" % port)
        return time.monotonic()
    return inject


def disk_full(t, b, mnt):
    """Fills data.dir's filesystem with a filler file until ENOSPC, waits
    for the broker to hit it, holds it full a few seconds, deletes the filler."""
    def inject():
        kids = broker_kids(b)
        filler = os.path.join(mnt, "filler")
        fd = os.open(filler, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        for chunk in (b"\0" * (256 << 10), b"\0" * 4096):   # then the last pages
            try:
                while True:
                    os.write(fd, chunk)
            except OSError:
                pass
        os.close(fd)
        st = os.statvfs(mnt)
        kslib.log("disk full: filler %d MiB, %d bytes free" % (os.path.getsize(filler) >> 20, st.f_bavail * st.f_frsize))
        hit = b.wait_log(r"No space left on device|ENOSPC", 20)
        t.check(hit is not None, "disk full: the broker reports ENOSPC (%s)" % (hit or "no such log line")[-160:])
        mid = acked(b.ack)
        time.sleep(3)
        during = acked(b.ack) - mid
        t.check(kslib.alive(b.pid) and broker_kids(b) == kids,
                "disk full: master and every child up (no crash, no respawn)")
        t.check(serving(b), "disk full: the broker still answers")
        t.check(during == 0, "disk full: nothing acknowledged while the disk stays full (%d)" % during)
        os.unlink(filler)
        return time.monotonic()
    return inject


def mount_tmpfs(t, path, size):
    """A tmpfs of size at path; None (and why) when that is not possible."""
    if os.geteuid() != 0:
        return "not root"
    os.makedirs(path, exist_ok=True)
    r = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=%s" % size, "tmpfs", path],
                       stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=10)
    if r.returncode != 0:
        return "mount -t tmpfs failed: %s" % r.stdout.decode(errors="replace").strip()

    def umount():
        if subprocess.run(["umount", path], stderr=subprocess.DEVNULL).returncode != 0:
            subprocess.run(["umount", "-l", path], stderr=subprocess.DEVNULL)
    import atexit
    atexit.register(umount)    # registered after kslib's: runs before its cleanup
    return None


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

    only = os.environ.get("KS_FAULTS")          # e.g. KS_FAULTS=master,restarts

    def wanted(name):
        return not only or any(w in name for w in only.split(","))
    t_all = time.monotonic()
    b = kslib.Broker(t, "faults", {"num.partitions": str(P), "log.level": "info"})
    phases = [("kill -9 worker 1", 20000, kill_child(t, b, "kafscaled: worker 1")),
              ("kill -9 flusher", 20000, kill_child(t, b, "kafscaled: flusher")),
              ("kill -9 coordinator", 20000, kill_child(t, b, "kafscaled: coordinator")),
              ("kill -9 master", 20000, kill_master(t, b)),
              # 20 x (stop + start ~0.6 s + 0.3 s) under a 30 s load
              ("20 restarts", 150000, restarts(t, b, 20))]
    for name, n, inject in phases:
        if not wanted(name):
            continue
        run_phase(t, b, name, n, 5000, inject)
    t.check(serving(b), "broker serving after all faults")
    b.stop()

    # the S3 server away for 30 s: acks=all produce waits (message.timeout 90 s)
    if wanted("S3 down 30 s"):
        s3 = kslib.S3(t)
        bs = kslib.Broker(t, "faults-s3", dict(s3.broker_opts(), **{"num.partitions": str(P), "log.level": "info"}))
        # idempotent: the 30 s outage outlasts librdkafka's request.timeout.ms
        # (30 s), so batches are retried while earlier ones are still
        # pending; without idempotence the client itself may reorder them
        run_phase(t, bs, "S3 down 30 s", 40000, 2000, s3_outage(t, bs, s3, 30), timeout=90,
                  extra=("--idempotent",) if not IDEMPOTENT else ())
        t.check(serving(bs), "S3 broker serving after the outage")
        bs.stop()

    # data.dir on a 64 MiB tmpfs, filled up; 1,000-byte messages
    if wanted("disk full"):
        mnt = os.path.join(t.tmp, "small")
        why = mount_tmpfs(t, mnt, "64m")
        if why is not None:
            print("SKIP disk full: %s (needs root and mount -t tmpfs)" % why)
            rows.append(("disk full (skipped)", 0, 0, 0, 0, 0.0))
        else:
            bd = kslib.Broker(t, "faults-disk", {"num.partitions": str(P), "log.level": "info",
                                                 "data.dir": os.path.join(mnt, "data")})
            run_phase(t, bd, "disk full", 30000, 3000, disk_full(t, bd, mnt), timeout=60,
                      extra=("-s", "1000"))
            t.check(serving(bd), "disk-full broker serving after the filler was deleted")
            bd.stop()
    print()
    print("%-22s %10s %10s %8s %6s %10s" % ("fault", "acked", "verified", "missing", "dups", "recovery"))
    for name, a, v, m, d, rec in rows:
        print("%-22s %10d %10d %8d %6d %9.2fs" % (name, a, v, m, d, rec))
    print("all faults in %.1f s" % (time.monotonic() - t_all))


if __name__ == "__main__":
    kslib.Test("faults", timeout=300).run(main)

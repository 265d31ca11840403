#!/usr/bin/python3
"""tests/bench/bench.py: KafScale benchmarks (issue 7), run by `make bench`.

    bench.py [--scenarios a,b,c,d,e] [--backends file,s3] [--quick]
             [--out DIR] [--catchup-mb N] [--duration S]

For each scenario and backend it starts a fresh kafscaled (object.store=file,
or s3 against s3rver behind the SigV4-verifying proxy of tests/e2e), runs
tests/bench/loadgen against it, and records, besides the client's figures,
the broker's: CPU seconds of every kafscaled process (/proc/PID/stat
utime+stime, before and after), peak RSS (VmHWM) and anonymous RSS
(RssAnon: the ring and read cache, which are shared memory, excluded) of
each process, object-store requests and metadata-store writes (the
broker's /metrics, before and after). Scenario (a) also runs against
librdkafka's mock cluster (mockpeer) and a discard-everything sink (sink),
with the same client and settings, and prints the ratios.

Scenarios:
  a  produce-only saturation, acks=all, 100 B, 1 KiB, 64 KiB, and 1 KiB in
     ~1 MB batches (linger 50 ms)
  b  produce and consume together at 50% of the 1 KiB saturation rate of (a)
     (measured in the same run, or 50,000 msgs/s); ack and e2e latency
  c  catch-up read of --catchup-mb MB (default 1024) from the object store
     after a restart (cold: new processes, empty ring and read cache)
  d  1,000 partitions and 1,000 connections at 1,000 msgs/s: object-store
     requests/s and memory, next to the same load on 10 partitions
  e  5 consumer groups reading the same topic while it is produced

Results: DIR/rows.json (merged with earlier runs, by row key), DIR/results.md,
DIR/*.png (gnuplot). Each loadgen run takes --duration seconds (default 8).
"""
import argparse
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
SRCDIR = os.path.abspath(os.path.join(HERE, "..", ".."))
BUILDDIR = os.environ.get("KS_BUILDDIR", SRCDIR)
TCK = os.sysconf("SC_CLK_TCK")
MB = 1e6
GB = 1e9


def log(*a):
    print("bench:", *a, file=sys.stderr, flush=True)


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    p = s.getsockname()[1]
    s.close()
    return p


def wait_port(port, secs):
    end = time.time() + secs
    while time.time() < end:
        try:
            socket.create_connection(("127.0.0.1", port), 0.5).close()
            return True
        except OSError:
            time.sleep(0.05)
    return False


# ---- /proc ----------------------------------------------------------------
def proc_family(pid):
    """pid and all its descendants"""
    kids = {}
    for d in os.listdir("/proc"):
        if not d.isdigit():
            continue
        try:
            with open("/proc/%s/stat" % d) as f:
                st = f.read()
        except OSError:
            continue
        ppid = int(st[st.rindex(")") + 2:].split()[1])
        kids.setdefault(ppid, []).append(int(d))
    out, todo = [], [pid]
    while todo:
        p = todo.pop()
        out.append(p)
        todo.extend(kids.get(p, []))
    return out


def cpu_ticks(pid):
    try:
        with open("/proc/%d/stat" % pid) as f:
            st = f.read()
    except OSError:
        return 0
    fields = st[st.rindex(")") + 2:].split()
    return int(fields[11]) + int(fields[12])


def proc_mem(pid):
    """(title, VmHWM KiB, RssAnon KiB)"""
    title, hwm, anon = "?", 0, 0
    try:
        with open("/proc/%d/cmdline" % pid, "rb") as f:
            title = f.read().split(b"\0")[0].decode(errors="replace").strip()
        with open("/proc/%d/status" % pid) as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    hwm = int(line.split()[1])
                elif line.startswith("RssAnon:"):
                    anon = int(line.split()[1])
    except OSError:
        pass
    return title, hwm, anon


def short_title(t):
    t = os.path.basename(t.replace("kafscaled: ", ""))
    return {"master": "m", "coordinator": "c", "flusher": "f"}.get(t, t.replace("worker ", "w"))


class Target:
    """something loadgen talks to: kafscaled, mockpeer or sink"""
    name = "?"
    pid = None
    ops = None

    def pids(self):
        return proc_family(self.pid) if self.pid else []

    def metrics(self):
        if not self.ops:
            return {}
        try:
            with urllib.request.urlopen("http://127.0.0.1:%d/metrics" % self.ops, timeout=5) as r:
                text = r.read().decode()
        except OSError as e:
            log("metrics scrape failed:", e)
            return {}
        m = {}
        for line in text.splitlines():
            if not line or line[0] == "#":
                continue
            k, _, v = line.rpartition(" ")
            try:
                m[k] = float(v)
            except ValueError:
                pass
        return m


class Peer(Target):
    def __init__(self, kind, tmp):
        self.name = kind
        self.port = free_port()
        prog = os.path.join(BUILDDIR, "tests", "bench", kind)
        args = [prog, "-P", str(self.port)] if kind == "mockpeer" else [prog, "-l", "127.0.0.1:%d" % self.port]
        self.logf = open(os.path.join(tmp, kind + ".log"), "a")
        self.p = subprocess.Popen(args, stdout=self.logf, stderr=self.logf, stdin=subprocess.DEVNULL)
        self.pid = self.p.pid
        if not wait_port(self.port, 10):
            raise RuntimeError("%s did not listen on port %d" % (kind, self.port))
        self.bootstrap = "127.0.0.1:%d" % self.port

    def stop(self):
        self.p.send_signal(signal.SIGTERM)
        try:
            self.p.wait(5)
        except subprocess.TimeoutExpired:
            self.p.kill()
            self.p.wait()
        self.logf.close()


class S3:
    """s3rver behind tests/e2e/s3proxy.py, as tests/e2e/s3env.sh starts them"""

    def __init__(self, tmp):
        e2e = os.path.join(SRCDIR, "tests", "e2e")
        # KS_S3RVER: another s3rver (e.g. from a private npm ci of tests/e2e/package-lock.json)
        s3rver = os.environ.get("KS_S3RVER") or os.path.join(e2e, "node_modules", ".bin", "s3rver")
        if not os.access(s3rver, os.X_OK):
            raise RuntimeError("s3rver not installed (cd tests/e2e && npm ci, or set KS_S3RVER)")
        self.dir = os.path.join(tmp, "s3")
        os.makedirs(os.path.join(self.dir, "s3data"), exist_ok=True)
        port = free_port()
        env = dict(os.environ, NODE_OPTIONS="--openssl-legacy-provider")
        self.logf = open(os.path.join(self.dir, "s3.log"), "a")
        self.rver = subprocess.Popen([s3rver, "-d", os.path.join(self.dir, "s3data"), "-a", "127.0.0.1", "-p",
                                      str(port), "--no-vhost-buckets", "-s", "--configure-bucket", "kafscale"],
                                     stdout=self.logf, stderr=self.logf, stdin=subprocess.DEVNULL, env=env)
        pf = os.path.join(self.dir, "proxy.port")
        self.proxy = subprocess.Popen(["/usr/bin/python3", os.path.join(e2e, "s3proxy.py"), "--listen",
                                       "127.0.0.1:0", "--upstream", "127.0.0.1:%d" % port, "--access-key",
                                       "S3RVER", "--secret", "S3RVER", "--port-file", pf],
                                      stdout=self.logf, stderr=self.logf, stdin=subprocess.DEVNULL)
        end = time.time() + 15
        while time.time() < end and not (os.path.exists(pf) and os.path.getsize(pf) > 0 and wait_port(port, 0.1)):
            time.sleep(0.05)
        with open(pf) as f:
            self.endpoint = "http://127.0.0.1:%s" % f.read().strip()
        self.direct = port

    def pids(self):
        return [self.rver.pid, self.proxy.pid]

    def put_p99_ms(self, size=4 << 20, n=30):
        """PUT latency of the object store itself, straight to s3rver (no proxy)"""
        body = os.urandom(size)
        lat = []
        for i in range(n):
            req = urllib.request.Request("http://127.0.0.1:%d/kafscale/bench-probe/%d" % (self.direct, i),
                                         data=body, method="PUT")
            t = time.monotonic()
            try:
                urllib.request.urlopen(req, timeout=30).read()
            except OSError as e:
                log("s3rver probe PUT failed:", e)
                return None
            lat.append((time.monotonic() - t) * 1000)
        lat.sort()
        return lat[min(len(lat) - 1, int(0.99 * len(lat)))]

    def stop(self):
        for p in (self.proxy, self.rver):
            p.terminate()
        for p in (self.proxy, self.rver):
            try:
                p.wait(5)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait()
        self.logf.close()


def file_put_p99_ms(d, size=4 << 20, n=30):
    """what the file store does for a PUT: write a temp file, fsync, rename, fsync the directory"""
    body = os.urandom(size)
    os.makedirs(d, exist_ok=True)
    lat = []
    for i in range(n):
        t = time.monotonic()
        tmp = os.path.join(d, ".probe.tmp")
        with open(tmp, "wb") as f:
            f.write(body)
            f.flush()
            os.fsync(f.fileno())
        os.rename(tmp, os.path.join(d, "probe-%d" % i))
        fd = os.open(d, os.O_RDONLY)
        os.fsync(fd)
        os.close(fd)
        lat.append((time.monotonic() - t) * 1000)
    shutil.rmtree(d, ignore_errors=True)
    lat.sort()
    return lat[min(len(lat) - 1, int(0.99 * len(lat)))]


class Broker(Target):
    def __init__(self, tmp, name, backend, s3=None, extra=None):
        self.name = "kafscale-" + backend
        self.tmp, self.dname, self.backend, self.s3 = tmp, name, backend, s3
        self.extra = extra or {}
        self.data = os.path.join(tmp, name + ".data")
        os.makedirs(self.data, exist_ok=True)
        self.port = None
        self.start()

    def start(self):
        self.port = self.port or free_port()
        self.ops = free_port()
        conf = {"listeners": "PLAINTEXT://127.0.0.1:%d" % self.port, "data.dir": self.data,
                "ops.listen": "127.0.0.1:%d" % self.ops, "log.level": "info",
                "group.initial.rebalance.delay.ms": "0", "object.store": self.backend}
        if self.backend == "s3":
            conf.update({"s3.endpoint": self.s3.endpoint, "s3.bucket": "kafscale", "s3.access.key": "S3RVER",
                         "s3.secret.key": "S3RVER", "s3.region": "us-east-1", "s3.path.style": "true",
                         "s3.namespace": self.dname})
        conf.update(self.extra)
        args = [os.path.join(BUILDDIR, "kafscaled")]
        for k, v in conf.items():
            args += ["-o", "%s=%s" % (k, v)]
        self.logf = open(os.path.join(self.tmp, self.dname + ".log"), "a")
        self.t_start = time.monotonic()
        self.p = subprocess.Popen(args, stdout=self.logf, stderr=self.logf, stdin=subprocess.DEVNULL,
                                  start_new_session=True)
        self.pid = self.p.pid
        if not wait_port(self.port, 15):
            raise RuntimeError("kafscaled did not listen on %d (log %s)" % (self.port, self.logf.name))
        # ready = answers Metadata
        end = time.time() + 15
        while time.time() < end:
            if subprocess.run(["kcat", "-L", "-b", "127.0.0.1:%d" % self.port, "-m", "2"],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL).returncode == 0:
                break
            time.sleep(0.02)
        self.ready_ms = (time.monotonic() - self.t_start) * 1000
        self.bootstrap = "127.0.0.1:%d" % self.port

    def stop(self):
        fam = self.pids()
        self.p.send_signal(signal.SIGTERM)
        try:
            self.p.wait(20)
        except subprocess.TimeoutExpired:
            for p in fam:
                try:
                    os.kill(p, signal.SIGKILL)
                except OSError:
                    pass
            self.p.wait()
        self.logf.close()


# ---- running loadgen ---------------------------------------------------------
def run_loadgen(args, timeout):
    cmd = [os.path.join(BUILDDIR, "tests", "bench", "loadgen"), "-q"] + args
    log("loadgen", " ".join(args))
    r = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, timeout=timeout)
    res = {}
    for line in r.stdout.splitlines():
        if line.startswith("RESULT "):
            kv = dict(x.split("=", 1) for x in line.split()[1:])
            role = kv.pop("role")
            res[role] = {k: float(v) for k, v in kv.items()}
    if r.returncode != 0 or not res:
        log("loadgen failed (rc %d): %s" % (r.returncode, r.stderr.strip()[-500:]))
    return res


def msum(m, prefix, **labels):
    """sum of the metric samples named prefix{...} whose labels include labels"""
    tot = 0.0
    for k, v in m.items():
        name, _, lab = k.partition("{")
        if name != prefix:
            continue
        if all(('%s="%s"' % (a, b)) in lab for a, b in labels.items()):
            tot += v
    return tot


def hist_pct(m0, m1, name, q):
    """quantile (seconds) of a Prometheus histogram between two scrapes: upper bound of the bucket"""
    b = []
    for k, v in m1.items():
        mm = re.match(r'%s_bucket\{le="([^"]+)"\}$' % re.escape(name), k)
        if mm:
            b.append((float("inf") if mm.group(1) == "+Inf" else float(mm.group(1)), v - m0.get(k, 0)))
    b.sort()
    if not b or b[-1][1] <= 0:
        return None
    want = q * b[-1][1]
    for le, c in b:
        if c >= want:
            return le
    return None


META_WRITES = ("put", "delete", "delete_prefix", "txn")


def measure(target, args, timeout=120):
    """run loadgen against target, with the target's figures around it"""
    pids = target.pids()
    c0 = {p: cpu_ticks(p) for p in pids}
    m0 = target.metrics()
    t0 = time.monotonic()
    res = run_loadgen(["-b", target.bootstrap] + args, timeout)
    secs = time.monotonic() - t0
    time.sleep(0.3)  # the last flush cycle's counters
    m1 = target.metrics()
    pids = target.pids()
    cpu = sum(cpu_ticks(p) - c0.get(p, 0) for p in pids) / TCK
    mem = [proc_mem(p) for p in pids]
    fig = {"secs": secs, "cpu_s": cpu,
           "rss": " ".join("%s:%d" % (short_title(t), h // 1024) for t, h, a in mem),
           "hwm_mib": sum(h for t, h, a in mem) / 1024, "anon_mib": sum(a for t, h, a in mem) / 1024}
    if m1:
        d = lambda name, **lab: msum(m1, name, **lab) - msum(m0, name, **lab)
        fig["bytes_in"] = d("kafscale_topic_bytes_in_total")
        fig["bytes_out"] = d("kafscale_topic_bytes_out_total")
        fig["puts"] = d("kafscale_objstore_requests_total", op="put")
        fig["gets"] = d("kafscale_objstore_requests_total", op="get")
        fig["os_reqs"] = d("kafscale_objstore_requests_total")
        fig["meta_writes"] = sum(d("kafscale_metastore_requests_total", op=o) for o in META_WRITES)
        fig["flush_p99_ms"] = (hist_pct(m0, m1, "kafscale_flush_duration_seconds", 0.99) or 0) * 1000
        fig["flush_cycles"] = d("kafscale_flush_cycles_total")
    else:
        p = res.get("produce", {})
        c = res.get("consume", {})
        fig["bytes_in"] = p.get("bytes", 0)
        fig["bytes_out"] = c.get("bytes", 0)
    return res, fig


# ---- rows and output ---------------------------------------------------------
ROWS = {}


def row(key, scen, target, what, res, fig, **extra):
    p, c = res.get("produce", {}), res.get("consume", {})
    r = {"key": key, "scenario": scen, "target": target, "what": what, "when": time.strftime("%Y-%m-%d %H:%M"),
         "p_msgs_s": p.get("msgs_per_s"), "p_MB_s": p.get("MB_per_s"),
         "ack_p50": p.get("p50_ms"), "ack_p99": p.get("p99_ms"), "ack_p999": p.get("p999_ms"),
         "ack_max": p.get("max_ms"), "p_errors": p.get("errors"),
         "c_msgs_s": c.get("msgs_per_s"), "c_MB_s": c.get("MB_per_s"),
         "e2e_p50": c.get("p50_ms"), "e2e_p99": c.get("p99_ms"), "e2e_p999": c.get("p999_ms"),
         "e2e_max": c.get("max_ms"), "client_cpu_s": max(p.get("client_cpu_s", 0), c.get("client_cpu_s", 0))}
    r.update(fig)
    gin, gout = fig.get("bytes_in", 0) / GB, fig.get("bytes_out", 0) / GB
    r["cpu_per_gb_in"] = fig["cpu_s"] / gin if gin > 0.001 and gout < 0.001 else None
    r["cpu_per_gb_out"] = fig["cpu_s"] / gout if gout > 0.001 and gin < 0.001 else None
    r["cpu_per_gb_io"] = fig["cpu_s"] / (gin + gout) if gin + gout > 0.001 else None
    r["puts_per_gb"] = fig["puts"] / gin if "puts" in fig and gin > 0.001 else None
    r["gets_per_gb"] = fig["gets"] / gout if "gets" in fig and gout > 0.001 else None
    r["os_req_s"] = fig["os_reqs"] / fig["secs"] if "os_reqs" in fig else None
    r["meta_w_s"] = fig["meta_writes"] / fig["secs"] if "meta_writes" in fig else None
    r.update(extra)
    ROWS[key] = r
    log("%s %s %s: produce %s msgs/s %s MB/s, consume %s MB/s, broker cpu %.2f s" % (
        scen, target, what, fmt(r["p_msgs_s"], 0), fmt(r["p_MB_s"]), fmt(r["c_MB_s"]), fig["cpu_s"]))
    return r


def fmt(v, nd=1):
    if v is None:
        return "-"
    if isinstance(v, str):
        return v
    if nd == 0 or abs(v) >= 1000:
        return "{:,.0f}".format(v)
    return ("%." + str(nd) + "f") % v


def machine():
    model = "?"
    with open("/proc/cpuinfo") as f:
        for line in f:
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    with open("/proc/meminfo") as f:
        mem = int(f.readline().split()[1]) / 1024 / 1024
    return "%d CPUs (%s), %.1f GiB RAM, %s" % (os.cpu_count(), model, mem, os.uname().release)


def render(out):
    rows = sorted(ROWS.values(), key=lambda r: r["key"])
    L = ["# KafScale benchmark results", "",
         "Machine: %s. Client and broker share the CPUs; the machine may be shared with other work." % machine(),
         "Generated by `tests/bench/bench.py` (`make bench`); one run per row, latest run of each row kept.", "",
         "## Throughput and latency", "",
         "| sc | target | load | produce msgs/s | produce MB/s | ack p50/p99/p99.9/max ms | consume MB/s "
         "| e2e p50/p99/p99.9/max ms | broker CPU s | CPU s/GB in | CPU s/GB out | PUT/GB | GET/GB "
         "| obj req/s | meta writes/s | flush p99 ms | peak RSS MiB per process | anon RSS MiB (all) |",
         "|---" * 18 + "|"]
    for r in rows:
        lat = lambda a: "-" if r.get(a + "_p50") is None else "%s/%s/%s/%s" % tuple(
            fmt(r.get(a + s), 1) for s in ("_p50", "_p99", "_p999", "_max"))
        L.append("| %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |" % (
            r["scenario"], r["target"], r["what"], fmt(r["p_msgs_s"], 0), fmt(r["p_MB_s"]), lat("ack"),
            fmt(r["c_MB_s"]), lat("e2e"), fmt(r["cpu_s"], 2), fmt(r["cpu_per_gb_in"], 2),
            fmt(r["cpu_per_gb_out"], 2), fmt(r["puts_per_gb"], 0), fmt(r["gets_per_gb"], 0), fmt(r["os_req_s"]),
            fmt(r["meta_w_s"]), fmt(r.get("flush_p99_ms"), 0), r["rss"], fmt(r["anon_mib"], 0)))
    # ratios for (a)
    L += ["", "## Produce saturation: KafScale against the mock cluster and the sink", "",
          "| load | file msgs/s | s3 msgs/s | mock msgs/s | sink msgs/s | file/mock | file/sink | s3/mock | s3/sink |",
          "|---|---|---|---|---|---|---|---|---|"]
    loads = []
    for r in rows:
        if r["scenario"] == "a" and r["what"] not in loads:
            loads.append(r["what"])
    for w in loads:
        g = {t: (ROWS.get("a-%s-%s" % (w, t)) or {}).get("p_msgs_s") for t in
             ("kafscale-file", "kafscale-s3", "mock", "sink")}
        ratio = lambda a, b: "%.2f" % (g[a] / g[b]) if g[a] and g[b] else "-"
        L.append("| %s | %s | %s | %s | %s | %s | %s | %s | %s |" % (
            w, fmt(g["kafscale-file"], 0), fmt(g["kafscale-s3"], 0), fmt(g["mock"], 0), fmt(g["sink"], 0),
            ratio("kafscale-file", "mock"), ratio("kafscale-file", "sink"), ratio("kafscale-s3", "mock"),
            ratio("kafscale-s3", "sink")))
    notes = [r for r in rows if r.get("note")]
    if notes:
        L += ["", "## Notes", ""] + ["- %s %s %s: %s" % (r["scenario"], r["target"], r["what"], r["note"])
                                     for r in notes]
    L += ["", "Columns: MB = 10^6 bytes of message values. ack = produce acknowledgement latency (delivery "
          "report time minus send time); e2e = consumer receive time minus the send time written in the value. "
          "Broker CPU = user+system seconds of all kafscaled processes during the run (for mock/sink: that "
          "process). CPU s/GB in is given for produce-only runs, out for consume-only runs. PUT/GB = object-store "
          "PUTs per GB ingested, GET/GB = GETs per GB served (the broker's own counters). meta writes/s = "
          "metadata-store put/delete/txn per second. flush p99 = upper bound of the flush-cycle histogram bucket. "
          "Peak RSS (VmHWM) counts the shared ring pages a process touched; anon RSS excludes shared memory. "
          "RSS keys: m master, c coordinator, f flusher, wN worker N.", ""]
    with open(os.path.join(out, "results.md"), "w") as f:
        f.write("\n".join(L))
    return "\n".join(L)


def plots(out):
    if not shutil.which("gnuplot"):
        log("gnuplot not installed: no plots (apt-get install gnuplot-nox)")
        return
    # 1: produce saturation MB/s per load and target
    loads = []
    for r in sorted(ROWS.values(), key=lambda r: r["key"]):
        if r["scenario"] == "a" and r["what"] not in loads:
            loads.append(r["what"])
    targets = ("kafscale-file", "kafscale-s3", "mock", "sink")
    with open(os.path.join(out, "produce.dat"), "w") as f:
        f.write("load " + " ".join(targets) + "\n")
        for w in loads:
            f.write('"%s" ' % w + " ".join(fmt((ROWS.get("a-%s-%s" % (w, t)) or {}).get("p_MB_s") or 0, 1)
                                          .replace(",", "") for t in targets) + "\n")
    # 2: latency percentiles at 50% load (b) and with 5 groups (e)
    with open(os.path.join(out, "latency.dat"), "w") as f:
        f.write("run ack_p50 ack_p99 ack_p999 e2e_p50 e2e_p99 e2e_p999\n")
        for r in sorted(ROWS.values(), key=lambda r: r["key"]):
            if r["scenario"] in ("b", "e") and r.get("ack_p50") is not None:
                f.write('"%s %s" %s\n' % (r["scenario"], r["target"].replace("kafscale-", ""), " ".join(
                    "%.3f" % (r.get(k) or 0) for k in ("ack_p50", "ack_p99", "ack_p999", "e2e_p50", "e2e_p99",
                                                       "e2e_p999"))))
    have_lat = os.path.getsize(os.path.join(out, "latency.dat")) > 60
    gp = """
set terminal pngcairo size 900,500 font ",10" noenhanced
set style data histograms
set style histogram clustered gap 1
set style fill solid 0.8 border -1
set grid ytics
set key top left
set output '{o}/produce.png'
set title 'Produce saturation, acks=all (MB/s of values, higher is better)'
set ylabel 'MB/s'
plot '{o}/produce.dat' using 2:xtic(1) title columnheader(2), '' using 3 title columnheader(3), \\
     '' using 4 title columnheader(4), '' using 5 title columnheader(5)
{lat}set output '{o}/latency.png'
set title 'Latency percentiles: (b) 50% of saturation, (e) 5 groups (ms, log scale, lower is better)'
set ylabel 'ms'
set logscale y
plot '{o}/latency.dat' using 2:xtic(1) title 'ack p50', '' using 3 title 'ack p99', '' using 4 title 'ack p99.9', \\
     '' using 5 title 'e2e p50', '' using 6 title 'e2e p99', '' using 7 title 'e2e p99.9'
""".format(o=out, lat="" if have_lat else "exit\n")
    r = subprocess.run(["gnuplot"], input=gp, text=True, capture_output=True)
    if r.returncode != 0:
        log("gnuplot failed:", r.stderr.strip())


# ---- scenarios -------------------------------------------------------------
A_LOADS = [("100B", ["-s", "100"]), ("1KiB", ["-s", "1024"]), ("64KiB", ["-s", "65536"]),
           ("1KiB-1MB-batches", ["-s", "1024", "-B", "1000000", "-l", "50"])]


def scen_a(ctx, backend, b):
    for w, a in A_LOADS:
        topic = "a-" + re.sub(r"\W", "", w)
        res, fig = measure(b, ["-t", topic, "-p", "4", "--create", "-a", "all", "-d", str(ctx.dur)] + a)
        row("a-%s-%s" % (w, b.name), "a", b.name, w, res, fig)
        if w == "1KiB" and "produce" in res:
            ctx.sat[backend] = res["produce"]["msgs_per_s"]


def scen_peers(ctx):
    for kind, name in (("mockpeer", "mock"), ("sink", "sink")):
        p = Peer(kind, ctx.tmp)
        p.name = name
        try:
            for w, a in A_LOADS:
                # the mock auto-creates unknown topics with 4 partitions; the sink answers 4
                topic = "a-" + re.sub(r"\W", "", w)
                res, fig = measure(p, ["-t", topic, "-p", "4", "-a", "all", "-d", str(ctx.dur)] + a)
                row("a-%s-%s" % (w, name), "a", name, w, res, fig)
        finally:
            p.stop()


def scen_b(ctx, backend, b):
    sat = ctx.sat.get(backend) or 100000
    r = int(sat * 0.5)
    res, fig = measure(b, ["-t", "b-half", "-p", "4", "--create", "-a", "all", "-s", "1024", "-m", "both",
                           "--groups", "none", "-r", str(r), "-d", str(ctx.dur)])
    fp = ctx.put_p99.get(backend)
    note = None
    if fp is not None and res.get("produce"):
        goal = 20 + 1.5 * fp
        note = "ack p99 %.1f ms against the goal flush.interval.ms + 1.5 x object-store PUT p99 = 20 + 1.5 x %.1f" \
               " = %.1f ms (4 MiB PUT p99 measured on the store itself)" % (res["produce"]["p99_ms"], fp, goal)
    row("b-%s" % b.name, "b", b.name, "1KiB @ %s msgs/s (50%%)" % fmt(r, 0), res, fig, note=note)


def scen_c(ctx, backend, b):
    n = int(ctx.catchup_mb * MB / 1024)
    res, fig = measure(b, ["-t", "c-catchup", "-p", "4", "--create", "-a", "all", "-s", "1024", "-n", str(n),
                           "-B", "1000000", "-l", "20"], timeout=280)
    row("c0-%s" % b.name, "c", b.name, "write %d MB (1KiB, 1MB batches)" % ctx.catchup_mb, res, fig)
    b.stop()
    b.start()
    res, fig = measure(b, ["-t", "c-catchup", "-m", "consume", "--from-beginning", "--until-eof", "-d", "250"],
                       timeout=280)
    row("c1-%s" % b.name, "c", b.name, "cold read %d MB after restart" % ctx.catchup_mb, res, fig,
        note="broker ready %.0f ms after exec (port open and Metadata answered)" % b.ready_ms)


def scen_d(ctx, backend, b):
    for parts, conns in ((10, 0), (10, 1000), (1000, 1000)):
        a = ["-t", "d-%d" % parts, "-p", str(parts), "--create", "-a", "all", "-s", "1024", "-r", "1000",
             "-d", str(max(ctx.dur, 10))]
        if conns:
            a += ["--conns", str(conns)]
        res, fig = measure(b, a)
        row("d-%d-%d-%s" % (parts, conns, b.name), "d", b.name, "%d partitions, %d extra conns, 1000 msgs/s 1KiB" % (
            parts, conns), res, fig)


def scen_e(ctx, backend, b):
    sat = ctx.sat.get(backend) or 100000
    r = int(sat * 0.25)
    res, fig = measure(b, ["-t", "e-groups", "-p", "4", "--create", "-a", "all", "-s", "1024", "-m", "both",
                           "--groups", "own", "-C", "5", "-r", str(r), "-d", str(ctx.dur)])
    row("e-%s" % b.name, "e", b.name, "5 groups, 1KiB @ %s msgs/s" % fmt(r, 0), res, fig)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--scenarios", default="a,b,c,d,e")
    ap.add_argument("--backends", default="file,s3")
    ap.add_argument("--no-peers", action="store_true", help="skip the mock and the sink in (a)")
    ap.add_argument("--duration", type=float, default=8)
    ap.add_argument("--catchup-mb", type=int, default=1024)
    ap.add_argument("--quick", action="store_true", help="smoke: 2 s runs, 64 MB catch-up")
    ap.add_argument("--out", default=os.path.join(SRCDIR, "tests", "bench", "results"))
    ap.add_argument("--keep", action="store_true", help="keep the temporary directory")
    o = ap.parse_args()
    if o.quick:
        o.duration, o.catchup_mb = 2, 64
    os.makedirs(o.out, exist_ok=True)
    rj = os.path.join(o.out, "rows.json")
    if os.path.exists(rj):
        with open(rj) as f:
            ROWS.update({r["key"]: r for r in json.load(f)})

    class Ctx:
        pass
    ctx = Ctx()
    ctx.dur, ctx.catchup_mb, ctx.sat, ctx.put_p99 = o.duration, o.catchup_mb, {}, {}
    ctx.tmp = tempfile.mkdtemp(prefix="ks-bench.")
    for r in ROWS.values():  # saturation of an earlier run, if (a) is not run now
        if r["scenario"] == "a" and r["what"] == "1KiB" and r["target"].startswith("kafscale-"):
            ctx.sat[r["target"][9:]] = r["p_msgs_s"]
    scen = o.scenarios.split(",")
    funcs = {"a": scen_a, "b": scen_b, "c": scen_c, "d": scen_d, "e": scen_e}
    t0 = time.time()
    try:
        if "a" in scen and not o.no_peers:
            scen_peers(ctx)
        for backend in o.backends.split(","):
            s3 = None
            try:
                if backend == "s3":
                    s3 = S3(ctx.tmp)
                    ctx.put_p99[backend] = s3.put_p99_ms()
                else:
                    ctx.put_p99[backend] = file_put_p99_ms(os.path.join(ctx.tmp, "probe"))
                log("%s: 4 MiB PUT p99 of the store itself %.1f ms" % (backend, ctx.put_p99[backend] or -1))
                for s in scen:
                    # (d): 1,000 connections from one address exceed max.connections.per.ip
                    extra = {"max.connections.per.ip": "0"} if s == "d" else None
                    b = Broker(ctx.tmp, "%s-%s" % (s, backend), backend, s3, extra)
                    try:
                        funcs[s](ctx, backend, b)
                    finally:
                        b.stop()
                    with open(rj, "w") as f:
                        json.dump(list(ROWS.values()), f, indent=1)
            finally:
                if s3:
                    s3.stop()
    finally:
        with open(rj, "w") as f:
            json.dump(list(ROWS.values()), f, indent=1)
        if o.keep:
            log("kept", ctx.tmp)
        else:
            shutil.rmtree(ctx.tmp, ignore_errors=True)
    print(render(o.out))
    plots(o.out)
    log("done in %.0f s; results in %s" % (time.time() - t0, o.out))


if __name__ == "__main__":
    main()

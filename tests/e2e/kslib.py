"""kslib: helpers for the end-to-end Python tests (run with /usr/bin/python3).

    import kslib
    t = kslib.Test("admin")            # temp dir, watchdog, cleanup on exit
    with kslib.Broker(t, "b1", {"num.partitions": "3"}) as b:
        ...  b.port, b.ops_port, b.pid, b.log_path, b.data_dir
        b.stop()                       # SIGTERM, asserts exit 0, no children left
        b.start()                      # same data dir, new ports

Raw Kafka frames for bad-input tests:
    c = kslib.Conn(b.port)
    c.send(kslib.request(18, 0, corr=1))       # ApiVersions v0
    body = c.recv_frame()                      # bytes after the size field
    c.expect_closed(timeout=3)                 # True if the broker closed it
"""
import atexit
import os
import re
import signal
import shutil
import socket
import struct
import subprocess
import sys
import tempfile
import time

BUILDDIR = os.environ.get("KS_BUILDDIR", os.getcwd())
SRCDIR = os.environ.get("KS_SRCDIR", BUILDDIR)
KAFSCALED = os.environ.get("KAFSCALED", os.path.join(BUILDDIR, "kafscaled"))

_procs = []          # Popen objects we started
_extra_pids = set()  # pids we adopted (daemon mode)
_tests = []


def log(msg):
    name = os.path.basename(sys.argv[0])
    sys.stderr.write("%s: %s\n" % (name, msg))
    sys.stderr.flush()


class Failure(Exception):
    pass


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    p = s.getsockname()[1]
    s.close()
    return p


def port_open(port, timeout=0.5):
    try:
        socket.create_connection(("127.0.0.1", port), timeout=timeout).close()
        return True
    except OSError:
        return False


def alive(pid):
    try:
        with open("/proc/%d/stat" % pid) as f:
            st = f.read()
    except OSError:
        return False
    return st[st.rindex(")") + 2] != "Z"


def title(pid):
    try:
        with open("/proc/%d/cmdline" % pid, "rb") as f:
            raw = f.read()
    except OSError:
        return None
    # setproctitle-style titles overwrite argv; trailing NULs/blanks are padding
    return raw.replace(b"\0", b" ").decode(errors="replace").rstrip()


def children(pid):
    """[(pid, title)] of pid's direct children (as `ps --ppid`)."""
    out = subprocess.run(["ps", "--ppid", str(pid), "-o", "pid=,args="],
                         stdout=subprocess.PIPE, universal_newlines=True).stdout
    res = []
    for line in out.splitlines():
        line = line.strip()
        if line:
            p, _, a = line.partition(" ")
            res.append((int(p), a.strip()))
    return res


def wait_until(pred, timeout, interval=0.05):
    end = time.monotonic() + timeout
    while True:
        v = pred()
        if v:
            return v
        if time.monotonic() >= end:
            return v
        time.sleep(interval)


def _kill_tree(pid):
    """SIGKILL pid, its children, and its process group (brokers are started
    as group leaders, so children orphaned by a crashed master die too)."""
    try:
        os.killpg(pid, signal.SIGKILL)
    except OSError:
        pass
    for c, _ in children(pid):
        try:
            os.kill(c, signal.SIGKILL)
        except OSError:
            pass
    try:
        os.kill(pid, signal.SIGKILL)
    except OSError:
        pass


def _cleanup():
    for p in _procs:
        _kill_tree(p.pid)   # even if p exited: its orphans share its group
        if p.poll() is None:
            try:
                p.wait(5)
            except Exception:
                pass
    for pid in _extra_pids:
        if alive(pid):
            _kill_tree(pid)
    for t in _tests:
        t.remove()


atexit.register(_cleanup)


def track_pid(pid):
    _extra_pids.add(pid)


class Test:
    """Per-test state: a temp dir, a watchdog, the brokers (for log dumps)."""

    def __init__(self, name, timeout=55):
        self.name = name
        self.tmp = tempfile.mkdtemp(prefix="ks-e2e-%s." % name)
        self.brokers = []
        self.failures = []
        _tests.append(self)

        def on_alarm(sig, frm):
            raise Failure("test did not finish within %d s" % timeout)
        signal.signal(signal.SIGALRM, on_alarm)
        signal.signal(signal.SIGTERM, lambda s, f: sys.exit(143))
        signal.alarm(timeout)

    def remove(self):
        if os.environ.get("KS_KEEP_TMP") == "1":
            log("kept %s" % self.tmp)
        else:
            shutil.rmtree(self.tmp, ignore_errors=True)

    def print_logs(self, lines=60):
        for b in self.brokers:
            b.print_log(lines)

    def fail(self, msg):
        raise Failure(msg)

    def check(self, cond, msg):
        """Non-fatal check: records a failure, keeps going."""
        if cond:
            print("ok: %s" % msg)
        else:
            log("FAIL: %s" % msg)
            self.failures.append(msg)
        return cond

    def run(self, fn):
        """Runs fn(self); exit status 0 if it raised nothing and no check failed."""
        try:
            fn(self)
        except Failure as e:
            log("FAIL: %s" % e)
            self.failures.append(str(e))
        except Exception:
            import traceback
            traceback.print_exc()
            self.failures.append("exception")
        signal.alarm(0)
        if self.failures:
            self.print_logs()
            log("%d failure(s): %s" % (len(self.failures), "; ".join(self.failures)))
            sys.exit(1)
        print("PASS")
        sys.exit(0)


class Broker:
    """A kafscaled started in the foreground, stderr to TMP/NAME.log.

    opts: dict of -o overrides; the defaults (listeners, data.dir, ops.listen,
    workers=2, log.level=debug, metadata.store=embedded, object.store=file)
    apply unless opts names the same key."""

    def __init__(self, test, name, opts=None, start=True):
        self.test = test
        self.name = name
        self.opts = dict(opts or {})
        self.data_dir = os.path.join(test.tmp, name + ".data")
        self.log_path = os.path.join(test.tmp, name + ".log")
        os.makedirs(self.data_dir, exist_ok=True)
        self.proc = None
        self.pid = None
        self.port = None
        self.ops_port = None
        test.brokers.append(self)
        if start:
            self.start()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        if self.proc is not None and self.proc.poll() is None:
            _kill_tree(self.proc.pid)
            self.proc.wait(5)
        return False

    @property
    def addr(self):
        return "127.0.0.1:%d" % self.port

    def start(self, timeout=10, port=None):
        self.port = port or free_port()
        self.ops_port = free_port()
        o = {
            "listeners": "PLAINTEXT://127.0.0.1:%d" % self.port,
            "data.dir": self.data_dir,
            "ops.listen": "127.0.0.1:%d" % self.ops_port,
            "workers": "2",
            "log.level": "debug",
            "metadata.store": "embedded",
            "object.store": "file",
        }
        o.update(self.opts)
        argv = [KAFSCALED]
        for k, v in o.items():
            argv += ["-o", "%s=%s" % (k, v)]
        self.log_offset = os.path.getsize(self.log_path) if os.path.exists(self.log_path) else 0
        lf = open(self.log_path, "ab")
        lf.write(("=== %s\n" % " ".join(argv)).encode())
        lf.flush()
        self.proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=lf, stderr=lf,
                                     start_new_session=True)
        lf.close()
        _procs.append(self.proc)
        self.pid = self.proc.pid
        end = time.monotonic() + timeout
        while True:
            if self.proc.poll() is not None:
                raise Failure("broker %s exited with status %s during start-up"
                              % (self.name, self.proc.returncode))
            if port_open(self.port) and kcat_ok(self.port):
                return self
            if time.monotonic() > end:
                raise Failure("broker %s (pid %d) not ready on %s within %d s"
                              % (self.name, self.pid, self.addr, timeout))
            time.sleep(0.05)

    def stop(self, timeout=10):
        """SIGTERM; asserts exit 0 within timeout and no children left."""
        kids = [p for p, _ in children(self.pid)]
        self.proc.send_signal(signal.SIGTERM)
        try:
            rc = self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            _kill_tree(self.pid)
            self.proc.wait(5)
            raise Failure("broker %s did not exit within %d s of SIGTERM" % (self.name, timeout))
        if rc != 0:
            raise Failure("broker %s exited with status %d after SIGTERM, expected 0" % (self.name, rc))

        def left():
            return [(k, title(k)) for k in kids
                    if alive(k) and (title(k) or "").startswith("kafscaled:")]
        if not wait_until(lambda: not left(), 1.0):
            rest = left()
            for k, _ in rest:
                try:
                    os.kill(k, signal.SIGKILL)
                except OSError:
                    pass
            raise Failure("children of broker %s left after it exited: %s" % (self.name, rest))

    def kill(self):
        _kill_tree(self.pid)
        self.proc.wait(5)

    def log_text(self, since_start=False):
        try:
            with open(self.log_path, "rb") as f:
                if since_start:
                    f.seek(self.log_offset)
                return f.read().decode(errors="replace")
        except OSError:
            return ""

    def wait_log(self, regex, timeout=2.0):
        """First log line matching regex (a str or compiled), or None."""
        rx = re.compile(regex) if isinstance(regex, str) else regex

        def find():
            for line in self.log_text().splitlines():
                if rx.search(line):
                    return line
            return None
        return wait_until(find, timeout)

    def print_log(self, lines=60):
        text = self.log_text().splitlines()
        sys.stderr.write("----- last lines of %s -----\n" % self.log_path)
        for l in text[-lines:]:
            sys.stderr.write(l + "\n")
        sys.stderr.write("----- end of %s -----\n" % self.log_path)


def open_answered(port, n, corr=3):
    """Opens n connections, sends ApiVersions v0 on each, then reads every
    answer whole.  Returns (sockets, how many were answered with corr)."""
    conns = [socket.create_connection(("127.0.0.1", port), 5) for _ in range(n)]
    req = request(18, 0, b"", corr=corr)
    for s in conns:
        s.sendall(req)
    ok = 0
    for s in conns:
        s.settimeout(5)
        try:
            size = b""
            while len(size) < 4:
                d = s.recv(4 - len(size))
                if not d:
                    break
                size += d
            want = int.from_bytes(size, "big") if len(size) == 4 else 0
            body = b""
            while len(body) < want:
                d = s.recv(want - len(body))
                if not d:
                    break
                body += d
            if want > 0 and len(body) == want and int.from_bytes(body[:4], "big") == corr:
                ok += 1
        except OSError:
            pass
    return conns, ok


def kcat_ok(port, timeout=3):
    try:
        r = subprocess.run(["kcat", "-L", "-b", "127.0.0.1:%d" % port, "-m", "2"],
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                           timeout=timeout)
        return r.returncode == 0
    except subprocess.TimeoutExpired:
        return False


# ---------------------------------------------------------------------------
# Raw Kafka protocol
# ---------------------------------------------------------------------------

def i8(v): return struct.pack(">b", v)
def i16(v): return struct.pack(">h", v)
def i32(v): return struct.pack(">i", v)
def i64(v): return struct.pack(">q", v)
def boolean(v): return b"\x01" if v else b"\x00"


def string(s):
    if s is None:
        return i16(-1)
    b = s.encode() if isinstance(s, str) else s
    return i16(len(b)) + b


def array(items, enc):
    if items is None:
        return i32(-1)
    return i32(len(items)) + b"".join(enc(x) for x in items)


def uvarint(v):
    out = bytearray()
    while True:
        b = v & 0x7F
        v >>= 7
        if v:
            out.append(b | 0x80)
        else:
            out.append(b)
            return bytes(out)


def compact_string(s):
    if s is None:
        return uvarint(0)
    b = s.encode() if isinstance(s, str) else s
    return uvarint(len(b) + 1) + b


def request(api_key, version, body=b"", corr=1, client_id="kslib", header_version=1):
    """A whole request frame: int32 size + header + body.
    header_version 1: api_key, api_version, correlation_id, client_id;
    2 adds an empty tagged-field section (flexible requests)."""
    hdr = i16(api_key) + i16(version) + i32(corr)
    if header_version >= 1:
        hdr += string(client_id)
    if header_version >= 2:
        hdr += uvarint(0)
    payload = hdr + body
    return i32(len(payload)) + payload


class Reader:
    def __init__(self, b):
        self.b = b
        self.o = 0

    def take(self, n):
        if self.o + n > len(self.b):
            raise Failure("response too short: need %d bytes at %d of %d"
                          % (n, self.o, len(self.b)))
        v = self.b[self.o:self.o + n]
        self.o += n
        return v

    def i8(self): return struct.unpack(">b", self.take(1))[0]
    def i16(self): return struct.unpack(">h", self.take(2))[0]
    def i32(self): return struct.unpack(">i", self.take(4))[0]
    def i64(self): return struct.unpack(">q", self.take(8))[0]

    def uvarint(self):
        shift = v = 0
        while True:
            c = self.take(1)[0]
            v |= (c & 0x7F) << shift
            if not c & 0x80:
                return v
            shift += 7

    def string(self):
        n = self.i16()
        return None if n < 0 else self.take(n).decode()

    def compact_string(self):
        n = self.uvarint()
        return None if n == 0 else self.take(n - 1).decode()

    def tagged(self):
        for _ in range(self.uvarint()):
            self.uvarint()
            self.take(self.uvarint())

    def remaining(self):
        return len(self.b) - self.o


class Closed(Exception):
    pass


class Conn:
    def __init__(self, port, timeout=5.0):
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=timeout)
        self.local = self.sock.getsockname()   # (host, port) as the broker sees us

    @property
    def peer_name(self):
        return "%s:%d" % self.local

    def send(self, data):
        self.sock.sendall(data)

    def _recv_exact(self, n, deadline):
        buf = b""
        while len(buf) < n:
            left = deadline - time.monotonic()
            if left <= 0:
                raise socket.timeout("no complete response in time")
            self.sock.settimeout(left)
            try:
                chunk = self.sock.recv(n - len(buf))
            except ConnectionResetError:
                raise Closed("connection reset by broker")
            if not chunk:
                raise Closed("connection closed by broker")
            buf += chunk
        return buf

    def recv_frame(self, timeout=5.0):
        """The response frame after its size field (header included)."""
        deadline = time.monotonic() + timeout
        size = struct.unpack(">i", self._recv_exact(4, deadline))[0]
        if size < 4 or size > 64 << 20:
            raise Failure("bad response size %d" % size)
        return self._recv_exact(size, deadline)

    def expect_closed(self, timeout=3.0):
        """True if the broker closes the connection (EOF or RST) within timeout,
        without sending any bytes first. Returns False on timeout; raises
        Failure if it answered instead."""
        deadline = time.monotonic() + timeout
        got = b""
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                return False
            self.sock.settimeout(left)
            try:
                chunk = self.sock.recv(65536)
            except socket.timeout:
                return False
            except ConnectionResetError:
                chunk = b""
            if not chunk:
                if got:
                    raise Failure("broker sent %d bytes (%r...) before closing" % (len(got), got[:32]))
                return True
            got += chunk

    def close(self):
        try:
            self.sock.close()
        except OSError:
            pass


class TlsConn(Conn):
    """Conn over TLS: ctx is the client's ssl.SSLContext, server_hostname
    the name the broker's certificate is checked against."""

    def __init__(self, port, ctx, timeout=5.0, server_hostname="localhost"):
        super().__init__(port, timeout)
        try:
            self.sock = ctx.wrap_socket(self.sock, server_hostname=server_hostname)
        except BaseException:
            self.sock.close()
            raise


def api_versions(conn, version=0, corr=7):
    """Sends ApiVersions vN (0..2), returns (correlation_id, error_code, {key: (min, max)})."""
    conn.send(request(18, version, b"", corr=corr))
    r = Reader(conn.recv_frame())
    got_corr = r.i32()
    err = r.i16()
    keys = {}
    for _ in range(r.i32()):
        k, lo, hi = r.i16(), r.i16(), r.i16()
        keys[k] = (lo, hi)
    return got_corr, err, keys


def broker_serving(port, timeout=3.0):
    """True if a fresh connection gets a good ApiVersions v0 answer."""
    try:
        c = Conn(port, timeout)
        try:
            corr, err, keys = api_versions(c, 0, corr=4242)
        finally:
            c.close()
        return corr == 4242 and err == 0 and 18 in keys
    except (OSError, Closed, Failure):
        return False


class Etcd:
    """A real etcd (Debian's etcd-server) on free loopback ports with a data
    dir in the test's temp dir; .endpoint is http://127.0.0.1:PORT."""

    def __init__(self, test, name="etcd"):
        import shutil as _sh
        if _sh.which("etcd") is None:
            log("SKIP: etcd not installed")
            sys.exit(77)
        self.port = free_port()
        peer = free_port()
        self.endpoint = "http://127.0.0.1:%d" % self.port
        self.log_path = os.path.join(test.tmp, name + ".etcd.log")
        argv = ["etcd", "--name", name, "--data-dir", os.path.join(test.tmp, name + ".etcd"),
                "--listen-client-urls", self.endpoint, "--advertise-client-urls", self.endpoint,
                "--listen-peer-urls", "http://127.0.0.1:%d" % peer,
                "--initial-advertise-peer-urls", "http://127.0.0.1:%d" % peer,
                "--initial-cluster", "%s=http://127.0.0.1:%d" % (name, peer),
                "--initial-cluster-state", "new", "--heartbeat-interval", "10",
                "--election-timeout", "100", "--max-txn-ops", "10000",
                "--logger", "zap", "--log-level", "warn"]
        lf = open(self.log_path, "ab")
        self.proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=lf, stderr=lf,
                                     start_new_session=True)
        lf.close()
        _procs.append(self.proc)

        def healthy():
            import urllib.request
            try:
                with urllib.request.urlopen(self.endpoint + "/health", timeout=1) as r:
                    return b'"health":"true"' in r.read()
            except OSError:
                return False
        if not wait_until(healthy, 10):
            raise Failure("etcd did not become healthy on %s within 10 s" % self.endpoint)

    def stop(self):
        self.proc.terminate()
        self.proc.wait(10)


class S3:
    """s3rver behind the Signature V4 verifying proxy (s3proxy.py), as
    s3env.sh starts them; .endpoint is the proxy, which accepts access_key
    and secret (default S3RVER/S3RVER).  Skips (77) when s3rver is not
    installed."""

    def __init__(self, test, name="s3", access_key="S3RVER", secret="S3RVER"):
        here = os.path.dirname(os.path.abspath(__file__))
        self.access_key, self.secret = access_key, secret
        s3rver = os.path.join(here, "node_modules", ".bin", "s3rver")
        if not os.access(s3rver, os.X_OK):
            log("SKIP: s3rver not installed (cd tests/e2e && npm ci)")
            sys.exit(77)
        d = os.path.join(test.tmp, name)
        os.makedirs(os.path.join(d, "s3data"))
        port = free_port()
        env = dict(os.environ, NODE_OPTIONS="--openssl-legacy-provider")
        lf = open(os.path.join(d, "s3rver.log"), "ab")
        self.rver = subprocess.Popen([s3rver, "-d", os.path.join(d, "s3data"), "-a", "127.0.0.1", "-p", str(port),
                                      "--no-vhost-buckets", "-s", "--configure-bucket", "kafscale"],
                                     stdin=subprocess.DEVNULL, stdout=lf, stderr=lf, env=env,
                                     start_new_session=True)
        _procs.append(self.rver)
        portfile = os.path.join(d, "s3proxy.port")
        self.proxy_log = os.path.join(d, "s3proxy.log")
        pf = open(self.proxy_log, "ab")
        self.proxy = subprocess.Popen(["/usr/bin/python3", os.path.join(here, "s3proxy.py"), "--listen", "127.0.0.1:0",
                                       "--upstream", "127.0.0.1:%d" % port, "--access-key", access_key,
                                       "--secret", secret, "--port-file", portfile],
                                      stdin=subprocess.DEVNULL, stdout=pf, stderr=pf, start_new_session=True)
        _procs.append(self.proxy)
        if not wait_until(lambda: os.path.exists(portfile) and os.path.getsize(portfile) > 0 and port_open(port), 15):
            raise Failure("s3rver/s3proxy not ready within 15 s")
        self.endpoint = "http://127.0.0.1:%s" % open(portfile).read().strip()
        self.data = os.path.join(d, "s3data")

    def broker_opts(self):
        return {"object.store": "s3", "s3.endpoint": self.endpoint, "s3.bucket": "kafscale",
                "s3.access.key": self.access_key, "s3.secret.key": self.secret, "s3.region": "us-east-1",
                "s3.path.style": "true"}

    def refused(self):
        """Requests the proxy refused (bad signatures)."""
        try:
            return sum(1 for line in open(self.proxy_log) if "s3proxy: refused" in line)
        except OSError:
            return 0

#!/usr/bin/python3
"""Secrets never in logs, metrics, API answers or error messages.

A broker on a real etcd with authentication enabled (user root, password
from etcd.password.file) and S3 behind the SigV4-verifying proxy with a
distinctive access key and secret (s3.access.key.file, s3.secret.key.file),
an ops token (ops.auth.token.file), log.level=debug.  Then:
  - it works: messages produced with acks=all are uploaded, the ops API
    answers with the token;
  - DescribeConfigs of the broker: the secret keys are sensitive with a null
    value, as Kafka does; the *.file keys show their paths;
  - `kafscaled -T` (test and dump) prints secrets as (set), --help has none;
  - error paths: a second broker with a wrong S3 secret (uploads refused,
    SignatureDoesNotMatch), a third with a wrong etcd password (does not
    start), bad secret values on the command line, in the environment and
    in a config file line without '=';
every output and log is searched for every secret (right and wrong): none
may appear, nor the "(secret)" the log writer puts in place of one (which
would mean some code tried to log it)."""
import json
import os
import subprocess
import sys
import urllib.error
import urllib.request

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import kslib  # noqa: E402

from confluent_kafka import Producer  # noqa: E402
from confluent_kafka.admin import AdminClient, ConfigResource  # noqa: E402

ACCESS = "S3RVER"          # s3rver knows only this access key id (the proxy checks the secret)
SECRET = "s3sec-Ul7vP0qZ3xN8wQ"
WRONG_SECRET = "s3sec-WRONG-Pq9zK2"
ETCD_PW = "etcdpw-Hq5Rj2Lw8Tz"
WRONG_ETCD_PW = "etcdpw-WRONG-Mx4"
TOKEN = "opstok-Vb3Nm7Kc1Xs9"
ALL = (ACCESS, SECRET, WRONG_SECRET, ETCD_PW, WRONG_ETCD_PW, TOKEN)
SENSITIVE = ("s3.access.key", "s3.secret.key", "s3.session.token", "etcd.password")

outputs = []      # (what, text) of everything searched at the end


def write(path, text):
    with open(path, "w") as f:
        f.write(text)
    os.chmod(path, 0o600)
    return path


def run(what, argv, env=None, cwd=None):
    r = subprocess.run(argv, capture_output=True, text=True, timeout=20, env=env, cwd=cwd)
    outputs.append((what, r.stdout + r.stderr))
    return r


def etcd_auth(endpoint):
    """Turns on etcd authentication through its JSON gateway (no etcdctl)."""
    for path, body in (("/v3/auth/role/add", {"name": "root"}),
                       ("/v3/auth/user/add", {"name": "root", "password": ETCD_PW}),
                       ("/v3/auth/user/grant", {"user": "root", "role": "root"}),
                       ("/v3/auth/enable", {})):
        req = urllib.request.Request(endpoint + path, data=json.dumps(body).encode())
        with urllib.request.urlopen(req, timeout=5) as r:
            ans = json.loads(r.read())
        if "error" in ans:
            raise kslib.Failure("etcd %s: %s" % (path, ans))
    req = urllib.request.Request(endpoint + "/v3/kv/range", data=b'{"key":"Zm9v"}')
    try:
        with urllib.request.urlopen(req, timeout=5) as r:
            ans = r.read().decode()
    except urllib.error.HTTPError as e:
        ans = e.read().decode()
    if "user name is empty" not in ans:
        raise kslib.Failure("etcd authentication is not on: %s" % ans)


def produce(port, n, timeout_ms):
    errors = []
    p = Producer({"bootstrap.servers": "127.0.0.1:%d" % port, "acks": "all",
                  "message.timeout.ms": timeout_ms, "retries": 0})
    for i in range(n):
        p.produce("secrets", value=b"v%d" % i, on_delivery=lambda e, m: errors.append(str(e)) if e else None)
    left = p.flush(timeout_ms / 1000 + 5)
    return left, errors


def main(t):
    etcd = kslib.Etcd(t)
    etcd_auth(etcd.endpoint)
    s3 = kslib.S3(t, access_key=ACCESS, secret=SECRET)
    files = {
        "ak": write(os.path.join(t.tmp, "s3.access"), ACCESS + "\n"),
        "sk": write(os.path.join(t.tmp, "s3.secret"), SECRET + "\n"),
        "wsk": write(os.path.join(t.tmp, "s3.wrong"), WRONG_SECRET + "\n"),
        "pw": write(os.path.join(t.tmp, "etcd.pw"), ETCD_PW + "\n"),
        "wpw": write(os.path.join(t.tmp, "etcd.wrong"), WRONG_ETCD_PW + "\n"),
        "tok": write(os.path.join(t.tmp, "ops.token"), TOKEN + "\n"),
    }

    def opts(secret_file="sk", pw_file="pw"):
        return {"metadata.store": "etcd", "etcd.endpoints": etcd.endpoint, "etcd.username": "root",
                "etcd.password.file": files[pw_file], "object.store": "s3", "s3.endpoint": s3.endpoint,
                "s3.bucket": "kafscale", "s3.region": "us-east-1", "s3.path.style": "true",
                "s3.access.key.file": files["ak"], "s3.secret.key.file": files[secret_file],
                "ops.auth.token.file": files["tok"], "log.level": "debug", "workers": "1",
                "auto.create.topics.enable": "true", "flush.interval.ms": "50"}

    # ---- kafscaled -t and --help
    argv = [kslib.KAFSCALED, "-t", "-o", "data.dir=" + os.path.join(t.tmp, "t.data")]
    for k, v in opts().items():
        argv += ["-o", "%s=%s" % (k, v)]
    conf = write(os.path.join(t.tmp, "dump.conf"), "")
    r = run("kafscaled -t", argv + ["-c", conf])
    t.check(r.returncode == 0, "kafscaled -t with the secret files is ok (%s)" % r.stderr.strip()[-300:])
    r = run("kafscaled -T", [x if x != "-t" else "-T" for x in argv])
    dump = dict(line.split(" = ", 1) for line in r.stdout.splitlines() if " = " in line)
    t.check(r.returncode == 0 and all(dump.get(k) == "(set)" for k in ("s3.access.key", "s3.secret.key",
                                                                         "etcd.password")),
            "kafscaled -T shows the secrets as (set) (%s)" % {k: dump.get(k) for k in SENSITIVE})
    t.check(dump.get("s3.session.token") == '""', "kafscaled -T: an unset secret is \"\"")
    r = run("kafscaled -h", [kslib.KAFSCALED, "-h"])
    t.check(r.returncode == 0 and "s3.secret.key" in r.stdout and "secret)" in r.stdout,
            "kafscaled --help lists the secret keys as secret")

    # ---- the broker
    with kslib.Broker(t, "good", opts()) as b:
        left, errors = produce(b.port, 50, 20000)
        t.check(left == 0 and not errors, "50 messages produced with acks=all to S3 (%d left, %s)"
                % (left, errors[:2]))
        admin = AdminClient({"bootstrap.servers": b.addr})
        res = ConfigResource(ConfigResource.Type.BROKER, "0")
        cfg = admin.describe_configs([res])[res].result(15)
        outputs.append(("DescribeConfigs", "\n".join("%s=%s" % (k, e.value) for k, e in cfg.items())))
        for k in SENSITIVE:
            e = cfg.get(k)
            t.check(e is not None and e.is_sensitive and e.value is None,
                    "DescribeConfigs: %s is sensitive with a null value (%s)"
                    % (k, None if e is None else (e.is_sensitive, e.value)))
        e = cfg.get("s3.secret.key.file")
        t.check(e is not None and not e.is_sensitive and e.value == files["sk"],
                "DescribeConfigs: s3.secret.key.file shows its path")
        e = cfg.get("ops.auth.token.file")
        t.check(e is not None and e.value == files["tok"], "DescribeConfigs: ops.auth.token.file shows its path")

        hdr = {"Authorization": "Bearer " + TOKEN}
        for path in ("/metrics", "/api/v1/status", "/api/v1/brokers", "/api/v1/topics"):
            req = urllib.request.Request("http://127.0.0.1:%d%s" % (b.ops_port, path), headers=hdr)
            with urllib.request.urlopen(req, timeout=5) as resp:
                outputs.append(("GET " + path, resp.read().decode(errors="replace")))
        ctl = os.path.join(kslib.BUILDDIR, "kafscalectl")
        r = run("kafscalectl status", [ctl, "-s", "127.0.0.1:%d" % b.ops_port, "--token-file", files["tok"],
                                       "-j", "status"])
        t.check(r.returncode == 0, "kafscalectl status with the token file (%d)" % r.returncode)
        b.stop()
        outputs.append(("good broker log", b.log_text()))

    # ---- error path: a wrong S3 secret; uploads are refused
    with kslib.Broker(t, "wrongs3", opts(secret_file="wsk")) as b:
        left, errors = produce(b.port, 5, 4000)
        t.check(left > 0 or errors, "with a wrong S3 secret acks=all produce fails (%d left, %d errors)"
                % (left, len(errors)))
        t.check(b.wait_log(r"SignatureDoesNotMatch|HTTP 403", 10) is not None,
                "with a wrong S3 secret the broker logs the refused uploads")
        b.kill()           # a stop would wait for the uploads that cannot succeed
        outputs.append(("wrong-s3 broker log", b.log_text()))
    t.check(s3.refused() > 0, "the S3 proxy refused the wrong signatures (%d)" % s3.refused())

    # ---- error path: a wrong etcd password; the broker cannot start
    b = kslib.Broker(t, "wrongetcd", opts(pw_file="wpw"), start=False)
    try:
        b.start(timeout=8)
        b.stop()
        t.check(False, "a wrong etcd password stops the broker")
    except kslib.Failure as e:
        kslib.log("as expected: %s" % e)
        if b.proc is not None and b.proc.poll() is None:
            b.kill()
    outputs.append(("wrong-etcd broker log", b.log_text()))
    t.check("authentication failed" in b.log_text() or "invalid user" in b.log_text(),
            "a wrong etcd password is reported as an authentication failure")

    # ---- bad secret values in errors
    base = [kslib.KAFSCALED, "-t", "-o", "data.dir=" + os.path.join(t.tmp, "t.data")]
    r = run("-o bad secret", base + ["-o", "s3.secret.key=%s\x01" % SECRET])
    t.check(r.returncode != 0 and "s3.secret.key" in r.stderr and "control character" in r.stderr,
            "a bad -o s3.secret.key value is refused, naming the key (%s)" % r.stderr.strip()[:200])
    env = dict(os.environ, KAFSCALE_ETCD_PASSWORD=ETCD_PW + "\x02")
    r = run("env bad secret", base, env=env)
    t.check(r.returncode != 0 and "KAFSCALE_ETCD_PASSWORD" in r.stderr,
            "a bad KAFSCALE_ETCD_PASSWORD is refused, naming the variable (%s)" % r.stderr.strip()[:200])
    bad = write(os.path.join(t.tmp, "bad.conf"), "broker.id = 0\ns3.secret.key %s\n" % SECRET)
    r = run("conf line without =", base + ["-c", bad])
    t.check(r.returncode != 0 and "bad.conf:2" in r.stderr, "a config line without '=' is refused (%s)"
            % r.stderr.strip()[:200])
    env = dict(os.environ, AWS_SECRET_ACCESS_KEY=SECRET, AWS_ACCESS_KEY_ID=ACCESS)
    r = run("kafscaled -t from AWS_*", [kslib.KAFSCALED, "-t", "-o", "data.dir=" + t.tmp, "-o", "s3.bucket=x"],
            env=env)
    t.check(r.returncode == 0, "AWS_* variables are taken (%s)" % r.stderr.strip()[:200])
    r = run("kafscaled -t dir as secret file", base + ["-o", "s3.secret.key.file=" + t.tmp])
    t.check(r.returncode != 0 and "s3.secret.key.file" in r.stderr and "not a regular file" in r.stderr,
            "a directory as s3.secret.key.file: a clear error (%s)" % r.stderr.strip()[:200])
    r = run("kafscaled -t empty secret file",
            base + ["-o", "etcd.password.file=" + write(os.path.join(t.tmp, "empty"), "\n")])
    t.check(r.returncode != 0 and "etcd.password.file" in r.stderr and "is empty" in r.stderr,
            "an empty etcd.password.file (a newline only): a clear error (%s)" % r.stderr.strip()[:200])

    # ---- the search
    for what, text in outputs:
        leaked = [s for s in ALL if s in text]
        t.check(not leaked, "no secret in %s%s" % (what, (": LEAKED " + ", ".join(x[:8] for x in leaked))
                                                    if leaked else ""))
        t.check("(secret)" not in text, "nothing in %s had to be redacted" % what)
    etcd.stop()


if __name__ == "__main__":
    kslib.Test("secrets", timeout=110).run(main)

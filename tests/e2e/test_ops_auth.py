#!/usr/bin/python3
"""Authentication of the ops endpoint (ops.auth.token.file, ops.auth.basic.file)
and kafscalectl's credentials.

  - ops.listen beyond loopback without authentication: `kafscaled -t` and a
    start both refuse (0.0.0.0 is only ever given to those; nothing listens
    beyond loopback);
  - a bearer token: /metrics, the admin API and the console answer 401 with
    WWW-Authenticate without the token and with a wrong one, 200 with it;
    /healthz and /readyz stay open; the refusals are logged (peer, path,
    never the credential) and counted in kafscale_ops_auth_failures_total;
  - SIGHUP with a new token in the file: the old token is refused, the new
    one accepted;
  - basic auth (a crypt hash and a plain-text password) next to a token:
    both challenges offered, both kinds of credentials accepted;
  - kafscalectl: --token-file, KAFSCALE_OPS_TOKEN_FILE, -c with the broker's
    conf, --user/--password-file; without credentials or with wrong ones it
    exits 3 with a message; bad auth files fail `kafscaled -t` without
    printing their contents."""
import base64
import os
import re
import shutil
import signal
import subprocess
import sys
import urllib.error
import urllib.request

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import kslib  # noqa: E402

CTL = os.environ.get("KAFSCALECTL", os.path.join(kslib.BUILDDIR, "kafscalectl"))
TOKEN1 = "tok-Q7vX2mPz9LkW4rT1"
TOKEN2 = "tok-N3bH8sKd5YfJ6gC0"
WRONG = "tok-wrong-A1B2C3D4E5"
ALICE_PW = "alice-pw-Zx81Kq"
BOB_PW = "bob-pw-Lm47Rt"


def get(port, path, headers=None):
    """(status, body, response headers) of a GET."""
    req = urllib.request.Request("http://127.0.0.1:%d%s" % (port, path), headers=headers or {})
    try:
        with urllib.request.urlopen(req, timeout=5) as r:
            return r.status, r.read().decode(errors="replace"), r.headers
    except urllib.error.HTTPError as e:
        return e.code, e.read().decode(errors="replace"), e.headers


def bearer(tok):
    return {"Authorization": "Bearer " + tok}


def basic(user, pw):
    return {"Authorization": "Basic " + base64.b64encode(("%s:%s" % (user, pw)).encode()).decode()}


def write(path, text, mode=0o600):
    with open(path, "w") as f:
        f.write(text)
    os.chmod(path, mode)
    return path


def kafscaled_t(opts, t):
    argv = [kslib.KAFSCALED, "-t"]
    for k, v in opts.items():
        argv += ["-o", "%s=%s" % (k, v)]
    return subprocess.run(argv, capture_output=True, text=True, timeout=10, cwd=t.tmp)


def ctl(args, env=None):
    e = dict(os.environ)
    for k in ("KAFSCALE_OPS_ADDR", "KAFSCALE_OPS_TOKEN_FILE", "KAFSCALE_OPS_USER", "KAFSCALE_OPS_PASSWORD_FILE"):
        e.pop(k, None)
    e.update(env or {})
    return subprocess.run([CTL] + args, capture_output=True, text=True, timeout=20, env=e)


def metric(text, name):
    m = re.search(r"^%s (\d+)" % re.escape(name), text, re.M)
    return int(m.group(1)) if m else None


def refusal(t):
    base = {"data.dir": os.path.join(t.tmp, "refused.data"),
            "listeners": "PLAINTEXT://127.0.0.1:%d" % kslib.free_port()}
    port = kslib.free_port()
    for addr in ("0.0.0.0:%d" % port, ":%d" % port, "[::]:%d" % port, "192.0.2.1:%d" % port):
        r = kafscaled_t(dict(base, **{"ops.listen": addr}), t)
        t.check(r.returncode != 0 and "not a loopback address" in r.stderr
                and "ops.auth.token.file" in r.stderr,
                "kafscaled -t refuses ops.listen %s without authentication (exit %d: %s)"
                % (addr, r.returncode, r.stderr.strip()[:200]))
    for addr in ("127.0.0.1:%d" % port, "127.3.2.1:%d" % port, "localhost:%d" % port, "[::1]:%d" % port, ""):
        r = kafscaled_t(dict(base, **{"ops.listen": addr}), t)
        t.check(r.returncode == 0, "kafscaled -t accepts ops.listen %r without authentication (%s)"
                % (addr, r.stderr.strip()[:200]))
    tok = write(os.path.join(t.tmp, "wild.token"), TOKEN1 + "\n")
    r = kafscaled_t(dict(base, **{"ops.listen": "0.0.0.0:%d" % port, "ops.auth.token.file": tok}), t)
    t.check(r.returncode == 0, "kafscaled -t accepts ops.listen 0.0.0.0 with a token file (%s)" % r.stderr.strip())
    # a real start must stop before it listens on anything
    argv = [kslib.KAFSCALED]
    for k, v in dict(base, **{"ops.listen": "0.0.0.0:%d" % port}).items():
        argv += ["-o", "%s=%s" % (k, v)]
    p = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                         start_new_session=True)
    kslib.track_pid(p.pid)
    try:
        out, errt = p.communicate(timeout=10)
    except subprocess.TimeoutExpired:
        p.kill()
        p.communicate()
        t.fail("kafscaled with ops.listen 0.0.0.0 and no authentication kept running")
    t.check(p.returncode != 0 and "not a loopback address" in errt,
            "kafscaled start refuses ops.listen 0.0.0.0 without authentication (exit %d)" % p.returncode)

    # bad auth files: a clear error, never the contents
    r = kafscaled_t(dict(base, **{"ops.auth.token.file": os.path.join(t.tmp, "missing.token")}), t)
    t.check(r.returncode != 0 and "ops.auth.token.file" in r.stderr and "No such file" in r.stderr,
            "a missing token file fails kafscaled -t clearly (%s)" % r.stderr.strip())
    r = kafscaled_t(dict(base, **{"ops.auth.token.file": t.tmp}), t)
    t.check(r.returncode != 0 and "not a regular file" in r.stderr,
            "a directory as token file fails kafscaled -t (%s)" % r.stderr.strip())
    apr = "$apr1$Vq1zTmNk$SECRETHASHapr1xyz0123."
    bad = write(os.path.join(t.tmp, "apr1.users"), "carol:%s\n" % apr)
    r = kafscaled_t(dict(base, **{"ops.auth.basic.file": bad}), t)
    t.check(r.returncode != 0 and "line 1" in r.stderr and "htpasswd -B" in r.stderr
            and apr not in r.stderr and "SECRETHASH" not in r.stderr,
            "an $apr1$ basic file fails kafscaled -t without quoting the hash (%s)" % r.stderr.strip())
    bad = write(os.path.join(t.tmp, "nocolon.users"), "# users\n\ndave-no-colon-SECRETPW\n")
    r = kafscaled_t(dict(base, **{"ops.auth.basic.file": bad}), t)
    t.check(r.returncode != 0 and "line 3" in r.stderr and "SECRETPW" not in r.stderr,
            "a line without ':' fails kafscaled -t without quoting it (%s)" % r.stderr.strip())


def token_auth(t):
    tokf = write(os.path.join(t.tmp, "ops.token"), TOKEN1 + "\n")
    with kslib.Broker(t, "tok", {"ops.auth.token.file": tokf}) as b:
        p = b.ops_port
        for path in ("/metrics", "/api/v1/status", "/api/v1/topics", "/", "/console/console.js", "/nowhere"):
            st, _, h = get(p, path)
            t.check(st == 401 and (h.get("WWW-Authenticate") or "").startswith("Bearer realm=\"kafscale\""),
                    "token: %s without credentials -> 401 with a Bearer challenge (got %d, %r)"
                    % (path, st, h.get("WWW-Authenticate")))
        st, body, _ = get(p, "/api/v1/status", bearer(WRONG))
        t.check(st == 401 and "authentication required" in body, "token: a wrong token -> 401 (%d)" % st)
        st, _, _ = get(p, "/metrics", basic("x", TOKEN1))
        t.check(st == 401, "token: basic credentials when only a token is configured -> 401 (%d)" % st)
        st, _, _ = get(p, "/metrics", {"Authorization": "Bearer " + TOKEN1 + "x"})
        t.check(st == 401, "token: the token with a byte more -> 401 (%d)" % st)
        st, _, _ = get(p, "/metrics", {"Authorization": "Bearer " + TOKEN1[:-1]})
        t.check(st == 401, "token: the token less its last byte -> 401 (%d)" % st)
        for path in ("/healthz", "/readyz"):
            st, _, _ = get(p, path)
            t.check(st in (200, 503), "token: %s is open without credentials (%d)" % (path, st))
        st, body, _ = get(p, "/api/v1/status", bearer(TOKEN1))
        t.check(st == 200 and '"broker_id"' in body, "token: the right token -> 200 on /api/v1/status (%d)" % st)
        st, body, _ = get(p, "/metrics", {"Authorization": "bearer   " + TOKEN1})
        t.check(st == 200, "token: the scheme is case-insensitive (%d)" % st)
        n = metric(body, "kafscale_ops_auth_failures_total")
        t.check(n is not None and n >= 10, "token: kafscale_ops_auth_failures_total counts the refusals (%s)" % n)
        line = b.wait_log(r"info coordinator ops request refused: wrong credentials \(peer 127\.0\.0\.1:\d+, "
                          r"path /api/v1/status\)")
        t.check(line is not None, "token: a refusal is logged at info with the peer and the path")
        t.check(b.wait_log(r"ops request refused: no credentials \(peer 127\.0\.0\.1:\d+, path /metrics\)")
                is not None, "token: a request without credentials is logged as such")

        # kafscalectl
        r = ctl(["-s", "127.0.0.1:%d" % p, "status"])
        t.check(r.returncode == 3 and "requires authentication" in r.stderr and "--token-file" in r.stderr,
                "kafscalectl without credentials exits 3 with a hint (%d, %s)" % (r.returncode, r.stderr.strip()))
        r = ctl(["-s", "127.0.0.1:%d" % p, "--token-file", tokf, "status"])
        t.check(r.returncode == 0 and "READY" in r.stdout.upper(),
                "kafscalectl --token-file status works (%d, %s)" % (r.returncode, r.stderr.strip()))
        r = ctl(["-s", "127.0.0.1:%d" % p, "metrics"], {"KAFSCALE_OPS_TOKEN_FILE": tokf})
        t.check(r.returncode == 0 and "kafscale_ops_auth_failures_total" in r.stdout,
                "kafscalectl with KAFSCALE_OPS_TOKEN_FILE works (%d)" % r.returncode)
        wrongf = write(os.path.join(t.tmp, "wrong.token"), WRONG + "\n")
        r = ctl(["-s", "127.0.0.1:%d" % p, "--token-file=" + wrongf, "topics", "list"])
        t.check(r.returncode == 3 and "refused the bearer token" in r.stderr and WRONG not in r.stderr + r.stdout,
                "kafscalectl with a wrong token exits 3 without printing it (%d, %s)"
                % (r.returncode, r.stderr.strip()))
        conf = write(os.path.join(t.tmp, "ctl.conf"),
                     "ops.listen = 127.0.0.1:%d\nops.auth.token.file = %s\n" % (p, tokf))
        r = ctl(["-c", conf, "brokers"])
        t.check(r.returncode == 0, "kafscalectl -c CONF takes ops.listen and the token file from it (%d, %s)"
                % (r.returncode, r.stderr.strip()))
        r = ctl(["-s", "127.0.0.1:%d" % p, "--token-file", os.path.join(t.tmp, "nope"), "status"])
        t.check(r.returncode == 1 and "cannot read the token file" in r.stderr,
                "kafscalectl with a missing token file: exit 1 and a message (%d, %s)"
                % (r.returncode, r.stderr.strip()))

        # SIGHUP: a new token in the same file
        write(tokf, TOKEN2 + "\n")
        os.kill(b.pid, signal.SIGHUP)
        ok = kslib.wait_until(lambda: get(p, "/metrics", bearer(TOKEN2))[0] == 200, 5)
        t.check(ok, "SIGHUP: the new token is accepted")
        st, _, _ = get(p, "/metrics", bearer(TOKEN1))
        t.check(st == 401, "SIGHUP: the old token is refused (%d)" % st)
        r = ctl(["-s", "127.0.0.1:%d" % p, "--token-file", tokf, "status"])
        t.check(r.returncode == 0, "SIGHUP: kafscalectl with the file works (%d)" % r.returncode)

        log = b.log_text()
        for s in (TOKEN1, TOKEN2, WRONG):
            t.check(s not in log, "no token in the broker's log (%s...)" % s[:6])
        b.stop()


def console_check(t, port, user, pw):
    """The console in headless chromium with basic auth (test_console_auth.js),
    when node, chromium and playwright-core are there (as for test_console.sh)."""
    chromium = os.environ.get("KS_CHROMIUM", "/usr/bin/chromium")
    script = os.path.join(kslib.SRCDIR, "tests/e2e/test_console_auth.js")
    if (shutil.which("node") is None or not os.access(chromium, os.X_OK)
            or not os.path.isdir(os.path.join(kslib.SRCDIR, "tests/e2e/node_modules/playwright-core"))):
        print("skipped: the console in a browser (no node, %s or playwright-core)" % chromium)
        return
    r = subprocess.run(["node", script, "127.0.0.1:%d" % port, user, pw, t.tmp, chromium],
                       capture_output=True, text=True, timeout=45)
    sys.stdout.write(r.stdout)
    t.check(r.returncode == 0, "the console works in chromium with basic auth (%s)" % r.stderr.strip()[-300:])


def basic_auth(t):
    h = subprocess.run(["openssl", "passwd", "-6", ALICE_PW], capture_output=True, text=True, check=True)
    alice_hash = h.stdout.strip()
    users = write(os.path.join(t.tmp, "ops.users"),
                  "# ops users\nalice:%s\nbob:%s\n\n" % (alice_hash, BOB_PW))
    tokf = write(os.path.join(t.tmp, "both.token"), TOKEN1)
    with kslib.Broker(t, "basic", {"ops.auth.basic.file": users, "ops.auth.token.file": tokf}) as b:
        p = b.ops_port
        st, _, hd = get(p, "/")
        chal = hd.get_all("WWW-Authenticate") or []
        t.check(st == 401 and any(c.startswith("Basic realm=\"kafscale\"") for c in chal)
                and any(c.startswith("Bearer") for c in chal),
                "basic: the console without credentials -> 401 with Basic and Bearer challenges (%d, %r)"
                % (st, chal))
        for user, pw, want in (("alice", ALICE_PW, 200), ("bob", BOB_PW, 200), ("alice", BOB_PW, 401),
                               ("bob", ALICE_PW, 401), ("carol", ALICE_PW, 401), ("alice", ALICE_PW + "x", 401),
                               ("alice", alice_hash, 401)):
            for path in ("/metrics", "/api/v1/brokers", "/"):
                st, _, _ = get(p, path, basic(user, pw))
                t.check(st == want, "basic: %s with %s's %s password -> %d (got %d)"
                        % (path, user, "right" if want == 200 else "a wrong", want, st))
        st, _, _ = get(p, "/metrics", basic("alice", ALICE_PW))
        t.check(st == 200, "basic: alice again (the remembered verification) -> 200 (%d)" % st)
        st, _, _ = get(p, "/metrics", bearer(TOKEN1))
        t.check(st == 200, "basic: the token works next to the users (%d)" % st)
        st, _, _ = get(p, "/metrics", {"Authorization": "Basic !!!notbase64"})
        t.check(st == 401, "basic: garbage credentials -> 401 (%d)" % st)
        st, _, _ = get(p, "/healthz")
        t.check(st == 200, "basic: /healthz open (%d)" % st)

        console_check(t, p, "alice", ALICE_PW)

        pwf = write(os.path.join(t.tmp, "alice.pw"), ALICE_PW + "\n")
        r = ctl(["-s", "127.0.0.1:%d" % p, "--user", "alice", "--password-file", pwf, "brokers"])
        t.check(r.returncode == 0, "kafscalectl --user --password-file works (%d, %s)"
                % (r.returncode, r.stderr.strip()))
        r = ctl(["-s", "127.0.0.1:%d" % p, "brokers"],
                {"KAFSCALE_OPS_USER": "bob", "KAFSCALE_OPS_PASSWORD_FILE": pwf})
        t.check(r.returncode == 3 and "refused the user name or password" in r.stderr
                and ALICE_PW not in r.stderr,
                "kafscalectl with a wrong password (environment) exits 3 (%d, %s)"
                % (r.returncode, r.stderr.strip()))
        r = ctl(["-s", "127.0.0.1:%d" % p, "--user", "alice", "brokers"])
        t.check(r.returncode == 2, "kafscalectl --user without a password file is a usage error (%d)"
                % r.returncode)

        # a user removed on SIGHUP loses access at once
        write(users, "alice:%s\n" % alice_hash)
        os.kill(b.pid, signal.SIGHUP)
        ok = kslib.wait_until(lambda: get(p, "/metrics", basic("bob", BOB_PW))[0] == 401, 5)
        t.check(ok, "SIGHUP: bob, removed from the file, is refused")
        st, _, _ = get(p, "/metrics", basic("alice", ALICE_PW))
        t.check(st == 200, "SIGHUP: alice still accepted (%d)" % st)
        # a broken file on SIGHUP keeps the previous users, with an error line
        write(users, "alice:$apr1$xx$yy\n")
        os.kill(b.pid, signal.SIGHUP)
        t.check(b.wait_log(r"could not reload the configuration.*ops\.auth\.basic\.file", 5) is not None,
                "SIGHUP with a bad basic file: an error line")
        st, _, _ = get(p, "/metrics", basic("alice", ALICE_PW))
        t.check(st == 200, "SIGHUP with a bad basic file: the previous users stay (%d)" % st)

        log = b.log_text()
        for s in (ALICE_PW, BOB_PW, TOKEN1, alice_hash):
            t.check(s not in log, "no password, hash or token in the broker's log (%s...)" % s[:6])
        b.stop()


def main(t):
    refusal(t)
    token_auth(t)
    basic_auth(t)


if __name__ == "__main__":
    kslib.Test("ops_auth", timeout=110).run(main)

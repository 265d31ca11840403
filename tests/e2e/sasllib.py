"""sasllib: SASL helpers for the end-to-end tests (test_sasl.py,
test_sasl_reauth.py), on top of kslib's raw frames:

    c = kslib.Conn(port)
    err, mechs = sasllib.handshake(c, "SCRAM-SHA-256", version=1)
    r = sasllib.scram_login(c, "alice", "pw", "SCRAM-SHA-256")   # SaslAuthenticate v1
    r.error, r.message, r.lifetime_ms

    sasllib.alter_scram(port, upsertions=[("bob", 1, 4096, "pw")], deletions=[("eve", 2)])
    sasllib.describe_scram(port, ["bob"])          # None = every user

The SCRAM client is written here from RFC 5802 with hashlib and hmac; the
two SCRAM admin APIs (DescribeUserScramCredentials v0,
AlterUserScramCredentials v0) are flexible and encoded here, as the Python
clients (kafka-python 2.0.2, confluent-kafka 1.7.0) have no SCRAM admin API.
"""
import base64
import hashlib
import hmac
import os

import kslib
from kslib import i8, i16, i32, string, uvarint, compact_string

MECH_ID = {"SCRAM-SHA-256": 1, "SCRAM-SHA-512": 2}
HASH = {"SCRAM-SHA-256": hashlib.sha256, "SCRAM-SHA-512": hashlib.sha512}
HASH_BY_ID = {1: hashlib.sha256, 2: hashlib.sha512}

# Kafka error codes
UNSUPPORTED_SASL_MECHANISM = 33
ILLEGAL_SASL_STATE = 34
SASL_AUTHENTICATION_FAILED = 58
RESOURCE_NOT_FOUND = 91
DUPLICATE_RESOURCE = 92
UNACCEPTABLE_CREDENTIAL = 93


def compact_bytes(b):
    return uvarint(len(b) + 1) + b


def compact_array(items, enc):
    if items is None:
        return uvarint(0)
    return uvarint(len(items) + 1) + b"".join(enc(x) for x in items)


def tagged():
    return uvarint(0)


def bytes_(b):
    return i32(len(b)) + b


def compact_str_r(r):
    n = r.uvarint()
    return None if n == 0 else r.take(n - 1).decode()


def salted_password(mech, password, salt, iterations):
    h = HASH[mech] if isinstance(mech, str) else HASH_BY_ID[mech]
    return hashlib.pbkdf2_hmac(h().name, password.encode(), salt, iterations)


# ---------------------------------------------------------------------------
# SaslHandshake / SaslAuthenticate
# ---------------------------------------------------------------------------

_corr = [100]


def _next_corr():
    _corr[0] += 1
    return _corr[0]


def handshake(conn, mechanism, version=1):
    """SaslHandshake: (error_code, [mechanisms])."""
    corr = _next_corr()
    conn.send(kslib.request(17, version, string(mechanism), corr=corr))
    r = kslib.Reader(conn.recv_frame())
    if r.i32() != corr:
        raise kslib.Failure("SaslHandshake: wrong correlation id")
    err = r.i16()
    mechs = [r.string() for _ in range(r.i32())]
    return err, mechs


class AuthResult:
    def __init__(self, error, message, auth_bytes, lifetime_ms):
        self.error = error
        self.message = message
        self.auth_bytes = auth_bytes
        self.lifetime_ms = lifetime_ms


def authenticate(conn, token, version=1, corr=None):
    """One SaslAuthenticate (v0 or v1): an AuthResult."""
    corr = corr or _next_corr()
    conn.send(kslib.request(36, version, bytes_(token), corr=corr))
    return read_authenticate(conn, corr, version)


def read_authenticate(conn, corr, version=1):
    r = kslib.Reader(conn.recv_frame())
    if r.i32() != corr:
        raise kslib.Failure("SaslAuthenticate: wrong correlation id")
    err = r.i16()
    msg = r.string()
    n = r.i32()
    data = r.take(n) if n > 0 else b""
    life = r.i64() if version >= 1 else None
    return AuthResult(err, msg, data, life)


class ScramClient:
    """The client side of RFC 5802; nonce_prefix imitates librdkafka, which
    sends c-nonce + the server's whole nonce in its final message."""

    def __init__(self, user, password, mech, nonce=None):
        self.user, self.password, self.mech = user, password, mech
        self.h = HASH[mech]
        self.cnonce = nonce or base64.b64encode(os.urandom(18)).decode()
        self.bare = "n=%s,r=%s" % (user.replace("=", "=3D").replace(",", "=2C"), self.cnonce)

    def first(self):
        return ("n,," + self.bare).encode()

    def final(self, server_first, nonce_prefix=""):
        sf = server_first.decode()
        attrs = dict(a.split("=", 1) for a in sf.split(","))
        if not attrs["r"].startswith(self.cnonce):
            raise kslib.Failure("server nonce does not start with the client nonce: %r" % sf)
        salt = base64.b64decode(attrs["s"])
        it = int(attrs["i"])
        salted = salted_password(self.mech, self.password, salt, it)
        ckey = hmac.new(salted, b"Client Key", self.h).digest()
        stored = self.h(ckey).digest()
        without = "c=biws,r=%s%s" % (nonce_prefix, attrs["r"])
        auth = ("%s,%s,%s" % (self.bare, sf, without)).encode()
        sig = hmac.new(stored, auth, self.h).digest()
        proof = bytes(a ^ b for a, b in zip(ckey, sig))
        skey = hmac.new(salted, b"Server Key", self.h).digest()
        self.server_sig = base64.b64encode(hmac.new(skey, auth, self.h).digest()).decode()
        self.iterations = it
        return ("%s,p=%s" % (without, base64.b64encode(proof).decode())).encode()

    def check_server_final(self, data):
        return data.decode() == "v=" + self.server_sig


def scram_login(conn, user, password, mech, version=1, handshake_first=True):
    """Handshake (v1) + the two SaslAuthenticate rounds; the last
    AuthResult (an error stops early).  The server's signature is checked."""
    if handshake_first:
        err, mechs = handshake(conn, mech, 1)
        if err != 0:
            return AuthResult(err, "handshake error %d" % err, b"", None)
    cl = ScramClient(user, password, mech)
    r1 = authenticate(conn, cl.first(), version)
    if r1.error != 0:
        return r1
    r2 = authenticate(conn, cl.final(r1.auth_bytes), version)
    if r2.error == 0 and not cl.check_server_final(r2.auth_bytes):
        raise kslib.Failure("the server's signature (server-final message) is wrong: %r" % r2.auth_bytes)
    return r2


def plain_login(conn, user, password, version=1):
    err, mechs = handshake(conn, "PLAIN", 1)
    if err != 0:
        return AuthResult(err, "handshake error %d" % err, b"", None)
    return authenticate(conn, b"\0" + user.encode() + b"\0" + password.encode(), version)


def metadata_v1(conn, corr=None):
    """Metadata v1 for every topic: the broker count (raises Closed when
    the connection was closed instead)."""
    corr = corr or _next_corr()
    conn.send(kslib.request(3, 1, i32(-1), corr=corr))
    r = kslib.Reader(conn.recv_frame())
    if r.i32() != corr:
        raise kslib.Failure("Metadata: wrong correlation id")
    return r.i32()


# ---------------------------------------------------------------------------
# DescribeUserScramCredentials (50) / AlterUserScramCredentials (51), v0
# ---------------------------------------------------------------------------

def _call_flexible(port, key, body, conn=None):
    """port: a new connection for this request; or conn (port None): that
    (authenticated) connection, left open."""
    c = conn or kslib.Conn(port)
    try:
        corr = _next_corr()
        c.send(kslib.request(key, 0, body, corr=corr, client_id="ks-e2e-sasl", header_version=2))
        r = kslib.Reader(c.recv_frame())
        if r.i32() != corr:
            raise kslib.Failure("api %d: wrong correlation id" % key)
        r.tagged()                       # response header v1
        return r
    finally:
        if conn is None:
            c.close()


def alter_scram(port, upsertions=(), deletions=(), raw_upsertions=(), conn=None):
    """upsertions: (user, mechanism id, iterations, password) -- the salt is
    random and the salted password computed here; raw_upsertions: (user,
    mechanism id, iterations, salt, salted_password) as given; deletions:
    (user, mechanism id).  Returns {user: (error_code, message)}."""
    ups = []
    for user, mech, it, pw in upsertions:
        salt = os.urandom(24)
        ups.append((user, mech, it, salt, salted_password(mech if mech in HASH_BY_ID else 1, pw, salt, max(it, 1))))
    ups += list(raw_upsertions)

    def enc_del(d):
        return compact_string(d[0]) + i8(d[1]) + tagged()

    def enc_up(u):
        return compact_string(u[0]) + i8(u[1]) + i32(u[2]) + compact_bytes(u[3]) + compact_bytes(u[4]) + tagged()
    body = compact_array(list(deletions), enc_del) + compact_array(ups, enc_up) + tagged()
    r = _call_flexible(port, 51, body, conn)
    r.i32()                              # throttle
    out = {}
    for _ in range(r.uvarint() - 1):
        user = compact_str_r(r)
        err = r.i16()
        msg = compact_str_r(r)
        r.tagged()
        out[user] = (err, msg)
    return out


def describe_scram(port, users=None, conn=None):
    """(top error, {user: (error_code, message, {mechanism id: iterations})},
    [users in answer order])."""
    body = compact_array(users, lambda u: compact_string(u) + tagged()) + tagged()
    r = _call_flexible(port, 50, body, conn)
    r.i32()
    top = r.i16()
    compact_str_r(r)
    out, order = {}, []
    for _ in range(r.uvarint() - 1):
        user = compact_str_r(r)
        err = r.i16()
        msg = compact_str_r(r)
        creds = {}
        for _ in range(r.uvarint() - 1):
            m = r.i8()
            creds[m] = r.i32()
            r.tagged()
        r.tagged()
        out[user] = (err, msg, creds)
        order.append(user)
    return top, out, order


def metric(text, name, labels=""):
    """The value of a Prometheus sample in text (0 when absent)."""
    key = name + ("{%s}" % labels if labels else "")
    for line in text.splitlines():
        if line.startswith(key + " "):
            return float(line.split()[-1])
    return 0.0


def metrics(b):
    import urllib.request
    with urllib.request.urlopen("http://127.0.0.1:%d/metrics" % b.ops_port, timeout=5) as r:
        return r.read().decode()

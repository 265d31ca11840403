#!/usr/bin/python3
"""s3proxy.py: a reverse proxy that verifies AWS Signature V4 in front of s3rver.

s3rver does not check V4 signatures (NOTES-infra section 2), so tests put
this proxy in front of it.  Every request must carry a valid
AWS4-HMAC-SHA256 Authorization header for a known access key; its
x-amz-content-sha256 must equal the SHA-256 of the body (unless it is
UNSIGNED-PAYLOAD).  A bad request is answered like S3 does (403
SignatureDoesNotMatch XML, or 400 XAmzContentSHA256Mismatch) and logged;
a good one is forwarded to the upstream server and the answer is
streamed back.

  s3proxy.py --listen 127.0.0.1:PORT --upstream 127.0.0.1:PORT2 \
             [--access-key S3RVER --secret S3RVER] [--port-file F]
  s3proxy.py --self-test      checks the signer against AWS's published examples

Standard library only; run with /usr/bin/python3.
"""
import argparse
import hashlib
import hmac
import http.client
import http.server
import os
import re
import sys
import threading
import time
import urllib.parse
from xml.sax.saxutils import escape

EMPTY_SHA256 = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
HOP_BY_HOP = {"connection", "keep-alive", "proxy-authenticate", "proxy-authorization", "te",
              "trailers", "transfer-encoding", "upgrade", "expect"}


def uri_encode(s, keep_slash):
    """RFC 3986 percent-encoding as AWS does it (unreserved kept, upper-case hex)."""
    return urllib.parse.quote(s, safe="-_.~" + ("/" if keep_slash else ""))


def canonical_uri(raw_path):
    # S3 does not normalize the path; it is decoded and re-encoded, so a
    # client that signed a differently encoded path fails.
    return uri_encode(urllib.parse.unquote(raw_path, errors="surrogateescape"), True) if raw_path else "/"


def canonical_query(raw_query):
    pairs = []
    if raw_query:
        for part in raw_query.split("&"):
            if part == "":
                continue
            k, _, v = part.partition("=")
            k = urllib.parse.unquote(k)
            v = urllib.parse.unquote(v)
            pairs.append((uri_encode(k, False), uri_encode(v, False)))
    pairs.sort()
    return "&".join("%s=%s" % kv for kv in pairs)


def canonical_header_value(v):
    return re.sub(r"\s+", " ", v.strip())


def canonical_request(method, raw_path, raw_query, headers, signed_headers, payload_hash):
    """headers: dict of lower-case name -> value."""
    lines = [method, canonical_uri(raw_path), canonical_query(raw_query)]
    ch = "".join("%s:%s\n" % (h, canonical_header_value(headers[h])) for h in signed_headers)
    return "\n".join(lines) + "\n" + ch + "\n" + ";".join(signed_headers) + "\n" + payload_hash


def signing_key(secret, date, region, service):
    k = hmac.new(("AWS4" + secret).encode(), date.encode(), hashlib.sha256).digest()
    k = hmac.new(k, region.encode(), hashlib.sha256).digest()
    k = hmac.new(k, service.encode(), hashlib.sha256).digest()
    return hmac.new(k, b"aws4_request", hashlib.sha256).digest()


def string_to_sign(amz_date, scope, creq):
    return "AWS4-HMAC-SHA256\n%s\n%s\n%s" % (amz_date, scope,
                                             hashlib.sha256(creq.encode("utf-8", "surrogateescape")).hexdigest())


def signature(secret, amz_date, scope, creq):
    date, region, service, _ = scope.split("/")
    sts = string_to_sign(amz_date, scope, creq)
    return hmac.new(signing_key(secret, date, region, service), sts.encode(), hashlib.sha256).hexdigest()


AUTH_RE = re.compile(r"^AWS4-HMAC-SHA256\s+Credential=([^,\s]+)\s*,\s*SignedHeaders=([^,\s]+)\s*,"
                     r"\s*Signature=([0-9a-f]{64})\s*$")


class SigError(Exception):
    def __init__(self, status, code, message):
        super().__init__(message)
        self.status, self.code, self.message = status, code, message


def verify(method, raw_path, raw_query, headers, body, secrets):
    """Raises SigError unless the request is correctly signed.  headers: lower-case dict."""
    auth = headers.get("authorization")
    if auth is None:
        raise SigError(403, "AccessDenied", "Anonymous requests are refused by this proxy")
    m = AUTH_RE.match(auth)
    if m is None:
        raise SigError(400, "AuthorizationHeaderMalformed", "Unsupported or malformed Authorization header")
    cred, signed, sig = m.groups()
    parts = cred.split("/")
    if len(parts) != 5 or parts[3] != "s3" or parts[4] != "aws4_request":
        raise SigError(400, "AuthorizationHeaderMalformed", "Bad credential scope")
    access, scope = parts[0], "/".join(parts[1:])
    if access not in secrets:
        raise SigError(403, "InvalidAccessKeyId", "The AWS Access Key Id you provided does not exist")
    signed_headers = signed.split(";")
    if signed_headers != sorted(signed_headers) or "host" not in signed_headers:
        raise SigError(403, "SignatureDoesNotMatch", "SignedHeaders must be sorted and include host")
    for h in signed_headers:
        if h not in headers:
            raise SigError(403, "SignatureDoesNotMatch", "Signed header %s is missing" % h)
    payload = headers.get("x-amz-content-sha256")
    if payload is None:
        raise SigError(400, "InvalidRequest", "Missing required header for this request: x-amz-content-sha256")
    if "x-amz-content-sha256" not in signed_headers:
        raise SigError(403, "SignatureDoesNotMatch", "x-amz-content-sha256 is not signed")
    amz_date = headers.get("x-amz-date")
    if amz_date is None or "x-amz-date" not in signed_headers or not amz_date.startswith(parts[1]):
        raise SigError(403, "SignatureDoesNotMatch", "x-amz-date missing, unsigned or not the scope's date")
    if payload != "UNSIGNED-PAYLOAD":
        actual = hashlib.sha256(body).hexdigest()
        if payload != actual:
            raise SigError(400, "XAmzContentSHA256Mismatch",
                           "The provided 'x-amz-content-sha256' header does not match what was computed.")
    creq = canonical_request(method, raw_path, raw_query, headers, signed_headers, payload)
    want = signature(secrets[access], amz_date, scope, creq)
    if not hmac.compare_digest(want, sig):
        raise SigError(403, "SignatureDoesNotMatch",
                       "The request signature we calculated does not match the signature you provided. "
                       "Check your key and signing method.")
    return creq


def error_xml(code, message, resource):
    return ('<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>%s</Code><Message>%s</Message>'
            '<Resource>%s</Resource><RequestId>s3proxy</RequestId></Error>' %
            (escape(code), escape(message), escape(resource))).encode()


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "s3proxy"
    disable_nagle_algorithm = True

    def log_message(self, fmt, *args):
        if self.server.verbose:
            sys.stderr.write("s3proxy: %s\n" % (fmt % args))

    def _read_body(self):
        te = self.headers.get("Transfer-Encoding", "")
        if te.lower() == "chunked":
            out = bytearray()
            while True:
                line = self.rfile.readline(1024)
                n = int(line.split(b";")[0].strip() or b"0", 16)
                if n == 0:
                    while self.rfile.readline(1024) not in (b"\r\n", b"\n", b""):
                        pass
                    return bytes(out)
                out += self.rfile.read(n)
                self.rfile.readline(16)
        n = int(self.headers.get("Content-Length", "0") or "0")
        return self.rfile.read(n) if n > 0 else b""

    def _upstream(self):
        conn = getattr(self, "_conn", None)
        if conn is None:
            conn = self._conn = http.client.HTTPConnection(self.server.upstream[0], self.server.upstream[1],
                                                           timeout=60)
        return conn

    def _handle(self):
        body = self._read_body()
        raw_path, _, raw_query = self.path.partition("?")
        headers = {}
        for k, v in self.headers.items():
            k = k.lower()
            headers[k] = headers[k] + "," + v if k in headers else v
        try:
            verify(self.command, raw_path, raw_query, headers, body, self.server.secrets)
            with self.server.lock:
                self.server.verified += 1
        except SigError as e:
            with self.server.lock:
                self.server.refused += 1
            sys.stderr.write("s3proxy: refused %s %s: %d %s: %s\n" % (self.command, self.path, e.status, e.code,
                                                                      e.message))
            out = error_xml(e.code, e.message, raw_path)
            self.send_response(e.status)
            self.send_header("Content-Type", "application/xml")
            self.send_header("Content-Length", str(len(out)))
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(out)
            return
        # virtual-host style (bucket.localhost:port/key): s3rver runs with
        # --no-vhost-buckets, so forward it path-style (/bucket/key)
        vhost = headers.get("host", "").rsplit(":", 1)[0]
        if vhost.endswith(".localhost"):
            up_path = "/" + vhost[:-len(".localhost")] + self.path
            raw_path = "/" + vhost[:-len(".localhost")] + raw_path
        else:
            up_path = self.path
        fwd = {k: v for k, v in self.headers.items() if k.lower() not in HOP_BY_HOP and k.lower() != "content-length"}
        fwd["Content-Length"] = str(len(body))
        for attempt in (0, 1):
            conn = self._upstream()
            try:
                conn.request(self.command, up_path, body=body, headers=fwd)
                resp = conn.getresponse()
                break
            except (OSError, http.client.HTTPException) as e:
                conn.close()
                self._conn = None
                if attempt == 1:
                    sys.stderr.write("s3proxy: upstream failed for %s %s: %s\n" % (self.command, self.path, e))
                    out = error_xml("ServiceUnavailable", "upstream unavailable", raw_path)
                    self.send_response(503)
                    self.send_header("Content-Type", "application/xml")
                    self.send_header("Content-Length", str(len(out)))
                    self.end_headers()
                    self.wfile.write(out)
                    return
        if (self.command == "PUT" and resp.status == 200 and not raw_query
                and raw_path.strip("/").count("/") >= 1):
            data = resp.read()
            self._settle(raw_path, len(body))
            self._reply(resp, data)
            return
        length = resp.getheader("Content-Length")
        if self.command == "HEAD" or resp.status in (204, 304):
            data, stream = b"", False
        elif length is not None:
            data, stream = None, True
        else:
            data, stream = resp.read(), False
        self.send_response(resp.status, resp.reason)
        for k, v in resp.getheaders():
            if k.lower() in HOP_BY_HOP or (k.lower() == "content-length" and not stream and self.command != "HEAD"):
                continue
            self.send_header(k, v)
        if not stream and self.command != "HEAD" and resp.status not in (204, 304):
            self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        if stream:
            left = int(length)
            while left > 0:
                chunk = resp.read(min(left, 65536))
                if not chunk:
                    break
                self.wfile.write(chunk)
                left -= len(chunk)
        else:
            resp.read()
            if data:
                self.wfile.write(data)

    def _settle(self, raw_path, size):
        """s3rver answers a PUT before its write stream has flushed the
        object (lib/stores/filesystem.js resolves on the Transform's
        'finish'), so a GET right after the PUT can see a short or empty
        object.  Real S3 has read-after-write consistency: wait (bounded)
        until s3rver reports the full size before answering the PUT."""
        deadline = time.monotonic() + 3
        while time.monotonic() < deadline:
            try:
                conn = self._upstream()
                conn.request("HEAD", raw_path)
                r = conn.getresponse()
                r.read()
                if r.status != 200 or r.getheader("Content-Length") == str(size):
                    return
            except (OSError, http.client.HTTPException):
                self._conn = None
            time.sleep(0.002)
        sys.stderr.write("s3proxy: %s did not reach %d bytes on s3rver in time\n" % (raw_path, size))

    def _reply(self, resp, data):
        self.send_response(resp.status, resp.reason)
        for k, v in resp.getheaders():
            if k.lower() not in HOP_BY_HOP and k.lower() != "content-length":
                self.send_header(k, v)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    do_GET = do_PUT = do_POST = do_DELETE = do_HEAD = _handle


class Server(http.server.ThreadingHTTPServer):
    daemon_threads = True


def self_test():
    """AWS S3 documentation, "Signature Calculations for the Authorization Header:
    Transferring Payload in a Single Chunk": the example requests, signed for
    examplebucket in us-east-1 on 20130524 with AWS's example key pair."""
    secret = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
    scope = "20130524/us-east-1/s3/aws4_request"
    date = "20130524T000000Z"
    host = "examplebucket.s3.amazonaws.com"
    cases = [
        ("GET Object", "GET", "/test.txt", "",
         {"host": host, "range": "bytes=0-9", "x-amz-content-sha256": EMPTY_SHA256, "x-amz-date": date},
         b"", "7344ae5b7ee6c3e7e6b0fe0640412a37625d1fbfff95c48bbb2dc43964946972",
         "f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41"),
        ("PUT Object", "PUT", "/test%24file.text", "",
         {"host": host, "date": "Fri, 24 May 2013 00:00:00 GMT",
          "x-amz-content-sha256": "44ce7dd67c959e0d3524ffac1771dfbba87d2b6b4b4e99e42034a8b803f8b072",
          "x-amz-date": date, "x-amz-storage-class": "REDUCED_REDUNDANCY"},
         b"Welcome to Amazon S3.", "9e0e90d9c76de8fa5b200d8c849cd5b8dc7a3be3951ddb7f6a76b4158342019d",
         "98ad721746da40c64f1a55b78f14c238d841ea1380cd77a1b5971af0ece108bd"),
        ("GET Bucket Lifecycle", "GET", "/", "lifecycle",
         {"host": host, "x-amz-content-sha256": EMPTY_SHA256, "x-amz-date": date},
         b"", "9766c798316ff2757b517bc739a67f6213b4ab36dd5da2f94eaebf79c77395ca",
         "fea454ca298b7da1c68078a5d1bdbfbbe0d65c699e0f91ac7a200a0136783543"),
        ("GET Bucket (List Objects)", "GET", "/", "max-keys=2&prefix=J",
         {"host": host, "x-amz-content-sha256": EMPTY_SHA256, "x-amz-date": date},
         b"", "df57d21db20da04d7fa30298dd4488ba3a2b47ca3a489c74750e0f1e7df1b9b7",
         "34b48302e7b5fa45bde8084f4b7868a86f0a534bc59db6670ed5711ef69dc6f7"),
    ]
    failed = 0
    for name, method, path, query, headers, body, creq_hash, want in cases:
        signed = sorted(headers)
        creq = canonical_request(method, path, query, headers, signed, headers["x-amz-content-sha256"])
        got_hash = hashlib.sha256(creq.encode()).hexdigest()
        got = signature(secret, date, scope, creq)
        ok = got == want and got_hash == creq_hash
        print("self-test %-26s canonical-request sha256 %s, signature %s: %s" %
              (name, "ok" if got_hash == creq_hash else "DIFFERS (%s)" % got_hash, got, "ok" if ok else "FAIL"))
        if not ok:
            failed += 1
            print(creq)
            continue
        # and the whole verification path, including the body hash check
        h = dict(headers)
        h["authorization"] = ("AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/%s,SignedHeaders=%s,Signature=%s"
                              % (scope, ";".join(signed), want))
        try:
            verify(method, path, query, h, body, {"AKIAIOSFODNN7EXAMPLE": secret})
        except SigError as e:
            print("self-test %s: verify refused a correct request: %s" % (name, e.message))
            failed += 1
        for bad_secret in ("wrong",):
            try:
                verify(method, path, query, h, body, {"AKIAIOSFODNN7EXAMPLE": bad_secret})
                print("self-test %s: verify accepted a wrong secret" % name)
                failed += 1
            except SigError as e:
                if e.code != "SignatureDoesNotMatch":
                    failed += 1
        if body:
            try:
                verify(method, path, query, h, body + b"!", {"AKIAIOSFODNN7EXAMPLE": secret})
                print("self-test %s: verify accepted a tampered body" % name)
                failed += 1
            except SigError as e:
                if e.code != "XAmzContentSHA256Mismatch":
                    failed += 1
    print("self-test %s" % ("passed" if failed == 0 else "FAILED"))
    return 0 if failed == 0 else 1


def hostport(s):
    host, _, port = s.rpartition(":")
    return host or "127.0.0.1", int(port)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--self-test", action="store_true")
    ap.add_argument("--listen", default="127.0.0.1:0")
    ap.add_argument("--upstream")
    ap.add_argument("--access-key", default="S3RVER")
    ap.add_argument("--secret", default="S3RVER")
    ap.add_argument("--port-file", help="write the listening port here once ready")
    ap.add_argument("--verbose", action="store_true")
    a = ap.parse_args()
    if a.self_test:
        return self_test()
    if not a.upstream:
        ap.error("--upstream is required")
    srv = Server(hostport(a.listen), Handler)
    srv.upstream = hostport(a.upstream)
    srv.secrets = {a.access_key: a.secret}
    srv.verbose = a.verbose
    srv.lock = threading.Lock()
    srv.verified = srv.refused = 0
    port = srv.server_address[1]
    sys.stderr.write("s3proxy: listening on 127.0.0.1:%d, upstream %s:%d\n" % (port, *srv.upstream))
    if a.port_file:
        with open(a.port_file + ".tmp", "w") as f:
            f.write("%d\n" % port)
        os.rename(a.port_file + ".tmp", a.port_file)
    try:
        srv.serve_forever()
    except KeyboardInterrupt:
        pass
    return 0


if __name__ == "__main__":
    sys.exit(main())

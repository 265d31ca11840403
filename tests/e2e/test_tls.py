"""TLS listeners (SSL), certificates made at test time (python3-cryptography).

Broker A (listeners PLAINTEXT + SSL, no client certificates):
- kcat, confluent-kafka and kafka-python produce and consume over SSL;
- Metadata (kcat -L, raw v1), FindCoordinator and DescribeCluster over SSL
  give the SSL port, over PLAINTEXT the plaintext port;
- Kafka bytes in plaintext to the SSL port: closed, and one log line
  "tls handshake with PEER failed: wrong version number";
- a TLS 1.1 client is refused ("unsupported protocol");
- a TCP connection that never starts the handshake is cut off after
  request.timeout.ms;
- SIGHUP with a new certificate in the same files: new connections see its
  serial number, a connection opened before keeps working; a broken key
  file on SIGHUP: error logged, the last good certificate stays, also in
  workers respawned after a kill -9;
- kafscaled -t: SSL listener without a certificate, a key that does not
  match the certificate, ssl.client.auth=required without ssl.ca.file,
  TLSv1.1 in ssl.enabled.protocols are errors naming the key or file.
Broker B, started with an expired certificate: the clients' verification
fails ("certificate has expired").
Broker C, ssl.client.auth=required: no client certificate, an expired one,
one from another CA are refused (log lines with OpenSSL's reasons); a valid
one works (kcat, raw), and the principal logged is
User:CN=alice,OU=eng,O=acme.
Two brokers on a real etcd, one with PLAINTEXT + SSL (SSL advertised as
localhost), one with PLAINTEXT only: Metadata over SSL gives the first
broker's SSL endpoint and the second's plaintext one (it has no SSL
listener); over PLAINTEXT both plaintext endpoints.
"""
import os
import re
import shutil
import signal
import ssl
import subprocess
import sys
import time
import warnings

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import kslib  # noqa: E402

from cryptography import x509  # noqa: E402

KSERR_NONE = 0
from tlscerts import DAY, NOW, make_ca, make_leaf, write_pem  # noqa: E402
from tlscerts import name as _name  # noqa: E402


# ---------------------------------------------------------------------------
# raw Kafka over TLS

def client_ctx(ca_file, cert=None, key=None):
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.load_verify_locations(ca_file)
    if cert:
        ctx.load_cert_chain(cert, key)
    return ctx


def tls_conn(port, ctx, timeout=5.0):
    return kslib.TlsConn(port, ctx, timeout, server_hostname="127.0.0.1")


def metadata_brokers(conn, corr=11, topics=()):
    """Metadata v1 (for these topics, auto-created by the coordinator when
    missing): {node_id: (host, port)}."""
    conn.send(kslib.request(3, 1, kslib.array(list(topics), kslib.string), corr=corr))
    r = kslib.Reader(conn.recv_frame())
    if r.i32() != corr:
        raise kslib.Failure("metadata: wrong correlation id")
    out = {}
    for _ in range(r.i32()):
        node, host, port = r.i32(), r.string(), r.i32()
        r.string()
        out[node] = (host, port)
    return out


def find_coordinator(conn, group, corr=12):
    """FindCoordinator v1: (error, node, host, port)."""
    conn.send(kslib.request(10, 1, kslib.string(group) + kslib.i8(0), corr=corr))
    r = kslib.Reader(conn.recv_frame())
    r.i32()
    r.i32()                                 # throttle
    err = r.i16()
    r.string()
    return err, r.i32(), r.string(), r.i32()


def describe_cluster(conn, corr=13):
    """DescribeCluster v0 (flexible): {node_id: (host, port)}."""
    conn.send(kslib.request(60, 0, kslib.i8(0) + kslib.uvarint(0), corr=corr, header_version=2))
    r = kslib.Reader(conn.recv_frame())
    r.i32()
    r.tagged()
    r.i32()                                 # throttle
    err = r.i16()
    r.compact_string()
    r.compact_string()                      # cluster id
    r.i32()                                 # controller
    out = {}
    for _ in range(r.uvarint() - 1):
        node, host, port = r.i32(), r.compact_string(), r.i32()
        r.compact_string()
        r.tagged()
        out[node] = (host, port)
    return err, out


def peer_serial(conn):
    der = conn.sock.getpeercert(binary_form=True)
    return x509.load_der_x509_certificate(der).serial_number


def kcat(args, timeout=15, stdin=None):
    r = subprocess.run(["kcat"] + args, input=stdin, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                       timeout=timeout)
    return r.returncode, r.stdout.decode(errors="replace"), r.stderr.decode(errors="replace")


def refused(port, ctx):
    """(True, reason) if the TLS connection fails before an ApiVersions
    answer comes back (TLS 1.3 reports a refused client certificate only
    on the first read)."""
    try:
        c = tls_conn(port, ctx, timeout=5)
    except (ssl.SSLError, OSError) as e:
        return True, str(e)
    try:
        corr, err, keys = kslib.api_versions(c, 0, corr=99)
        return False, "ApiVersions answered (error %d)" % err
    except (ssl.SSLError, OSError, kslib.Closed) as e:
        return True, str(e)
    finally:
        c.close()


def main(t):
    d = t.tmp
    ca = make_ca("kafscale test ca")
    other_ca = make_ca("some other ca")
    ca_pem = write_pem(os.path.join(d, "ca.pem"), ca[1])
    srv_name = _name(CN="localhost", O="kafscale")
    srv_key, srv1 = make_leaf(ca, srv_name, True, NOW - DAY, NOW + 10 * DAY)
    _, srv2 = make_leaf(ca, srv_name, True, NOW - DAY, NOW + 20 * DAY, key=srv_key)
    exp_key, srv_expired = make_leaf(ca, srv_name, True, NOW - 10 * DAY, NOW - DAY)
    cert_file = write_pem(os.path.join(d, "server.pem"), srv1, chain=[ca[1]])
    key_file = write_pem(os.path.join(d, "server.key"), key=srv_key)
    alice = _name(CN="alice", OU="eng", O="acme")
    cli_key, cli_ok = make_leaf(ca, alice, False, NOW - DAY, NOW + 10 * DAY)
    cli_exp_key, cli_expired = make_leaf(ca, alice, False, NOW - 10 * DAY, NOW - DAY)
    cli_other_key, cli_other = make_leaf(other_ca, alice, False, NOW - DAY, NOW + 10 * DAY)
    cli_pem = write_pem(os.path.join(d, "alice.pem"), cli_ok)
    cli_key_pem = write_pem(os.path.join(d, "alice.key"), key=cli_key)
    cli_exp_pem = write_pem(os.path.join(d, "alice-expired.pem"), cli_expired)
    cli_exp_key_pem = write_pem(os.path.join(d, "alice-expired.key"), key=cli_exp_key)
    cli_other_pem = write_pem(os.path.join(d, "alice-other.pem"), cli_other)
    cli_other_key_pem = write_pem(os.path.join(d, "alice-other.key"), key=cli_other_key)
    ctx = client_ctx(ca_pem)

    # ---- kafscaled -t ----
    def conf_test(*opts):
        argv = [kslib.KAFSCALED, "-t", "-o", "data.dir=" + os.path.join(d, "t.data")]
        for o in opts:
            argv += ["-o", o]
        r = subprocess.run(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=10)
        return r.returncode, r.stderr.decode(errors="replace")
    lst = "listeners=PLAINTEXT://127.0.0.1:1,SSL://127.0.0.1:2"
    rc, err = conf_test(lst)
    t.check(rc == 1 and "listener SSL needs ssl.certificate.file and ssl.key.file" in err,
            "-t: an SSL listener without certificate and key is refused (%r)" % err.strip())
    rc, err = conf_test(lst, "ssl.certificate.file=" + cert_file, "ssl.key.file=" + cli_key_pem)
    t.check(rc == 1 and "ssl.key.file %s: does not match ssl.certificate.file %s" % (cli_key_pem, cert_file)
            in err, "-t: a key that does not match the certificate is refused (%r)" % err.strip())
    rc, err = conf_test(lst, "ssl.certificate.file=" + cert_file, "ssl.key.file=" + key_file,
                        "ssl.client.auth=required")
    t.check(rc == 1 and "ssl.client.auth = required needs ssl.ca.file" in err,
            "-t: ssl.client.auth=required without ssl.ca.file is refused (%r)" % err.strip())
    rc, err = conf_test(lst, "ssl.certificate.file=" + cert_file, "ssl.key.file=" + key_file,
                        "ssl.enabled.protocols=TLSv1.1,TLSv1.2")
    t.check(rc == 1 and "TLSv1.1" in err and "TLS 1.2" in err,
            "-t: TLSv1.1 in ssl.enabled.protocols is refused (%r)" % err.strip())
    rc, err = conf_test(lst, "ssl.certificate.file=" + os.path.join(d, "missing.pem"), "ssl.key.file=" + key_file)
    t.check(rc == 1 and "missing.pem: No such file or directory" in err,
            "-t: a missing certificate file is named (%r)" % err.strip())
    rc, err = conf_test(lst, "ssl.certificate.file=" + cert_file, "ssl.key.file=" + key_file)
    t.check(rc == 0, "-t: certificate and key that match pass (%r)" % err.strip())

    # ---- broker A: PLAINTEXT + SSL ----
    p1, p2 = kslib.free_port(), kslib.free_port()
    a = kslib.Broker(t, "a", {
        "listeners": "PLAINTEXT://127.0.0.1:%d,SSL://127.0.0.1:%d" % (p1, p2),
        "ssl.certificate.file": cert_file, "ssl.key.file": key_file,
        "request.timeout.ms": "3000", "num.partitions": "2"}, start=False)
    a.start(port=p1)
    kssl = ["-b", "127.0.0.1:%d" % p2, "-X", "security.protocol=ssl", "-X", "ssl.ca.location=" + ca_pem]

    rc, out, err = kcat(["-L", "-m", "5"] + kssl)
    t.check(rc == 0 and ("broker 0 at 127.0.0.1:%d" % p2) in out,
            "kcat -L over SSL: broker 0 at the SSL port %d (%r)" % (p2, out + err))
    rc, out, err = kcat(["-L", "-m", "5", "-b", "127.0.0.1:%d" % p1])
    t.check(rc == 0 and ("broker 0 at 127.0.0.1:%d" % p1) in out,
            "kcat -L over PLAINTEXT: broker 0 at the plaintext port %d" % p1)

    c = tls_conn(p2, ctx)
    t.check(metadata_brokers(c) == {0: ("127.0.0.1", p2)}, "Metadata v1 over SSL advertises the SSL port")
    t.check(metadata_brokers(c, topics=["auto1"]) == {0: ("127.0.0.1", p2)},
            "Metadata v1 over SSL creating a topic (answered by the coordinator) advertises the SSL port")
    e, node, host, port = find_coordinator(c, "g1")
    t.check(e == KSERR_NONE and (host, port) == ("127.0.0.1", p2),
            "FindCoordinator over SSL gives the SSL port (%s, %s:%s)" % (e, host, port))
    e, brokers = describe_cluster(c)
    t.check(e == KSERR_NONE and brokers == {0: ("127.0.0.1", p2)},
            "DescribeCluster over SSL gives the SSL port (%r)" % brokers)
    old_conn = c                             # kept open across the SIGHUP below
    old_serial = peer_serial(c)
    t.check(old_serial == srv1.serial_number, "the broker presents ssl.certificate.file")
    pc = kslib.Conn(p1)
    t.check(metadata_brokers(pc) == {0: ("127.0.0.1", p1)}, "Metadata v1 over PLAINTEXT advertises its port")
    t.check(metadata_brokers(pc, topics=["auto2"]) == {0: ("127.0.0.1", p1)},
            "Metadata v1 over PLAINTEXT creating a topic advertises the plaintext port")
    e, node, host, port = find_coordinator(pc, "g1")
    t.check((host, port) == ("127.0.0.1", p1), "FindCoordinator over PLAINTEXT gives the plaintext port")
    pc.close()

    # kcat produce + consume over SSL
    msgs = "".join("kcat-%d\n" % i for i in range(20)).encode()
    rc, out, err = kcat(["-P", "-t", "tkcat"] + kssl, stdin=msgs)
    t.check(rc == 0, "kcat produces over SSL (%s)" % err.strip()[-300:])
    rc, out, err = kcat(["-C", "-e", "-q", "-t", "tkcat", "-o", "beginning"] + kssl)
    t.check(sorted(out.split()) == sorted("kcat-%d" % i for i in range(20)),
            "kcat consumes the 20 messages over SSL (%d lines)" % len(out.split()))

    # confluent-kafka over SSL
    import confluent_kafka as ck
    conf = {"bootstrap.servers": "127.0.0.1:%d" % p2, "security.protocol": "SSL", "ssl.ca.location": ca_pem}
    pr = ck.Producer(dict(conf, **{"linger.ms": 5}))
    for i in range(50):
        pr.produce("tck", ("ck-%d" % i).encode())
    left = pr.flush(15)
    del pr
    t.check(left == 0, "confluent-kafka produces 50 messages over SSL")
    co = ck.Consumer(dict(conf, **{"group.id": "gck", "auto.offset.reset": "earliest"}))
    co.subscribe(["tck"])
    got = set()
    end = time.monotonic() + 20
    while len(got) < 50 and time.monotonic() < end:
        m = co.poll(0.5)
        if m is not None and m.error() is None:
            got.add(m.value().decode())
    co.close()
    t.check(got == set("ck-%d" % i for i in range(50)),
            "confluent-kafka consumes them in a group over SSL (%d)" % len(got))

    # kafka-python over SSL
    import kafka
    kp_ssl = dict(bootstrap_servers="127.0.0.1:%d" % p2, security_protocol="SSL", ssl_cafile=ca_pem,
                  ssl_check_hostname=True)
    kpp = kafka.KafkaProducer(**kp_ssl)
    for i in range(30):
        kpp.send("tkp", ("kp-%d" % i).encode())
    kpp.flush(15)
    brokers = [(b.host, b.port) for b in kpp._metadata.brokers()]
    kpp.close(5)
    t.check(brokers == [("127.0.0.1", p2)], "kafka-python's metadata over SSL names the SSL port (%r)" % brokers)
    kpc = kafka.KafkaConsumer("tkp", group_id="gkp", auto_offset_reset="earliest", consumer_timeout_ms=8000,
                              **kp_ssl)
    got = set()
    for m in kpc:
        got.add(m.value.decode())
        if len(got) == 30:
            break
    kpc.close()
    t.check(got == set("kp-%d" % i for i in range(30)),
            "kafka-python produces and consumes 30 messages over SSL (%d)" % len(got))

    # plaintext Kafka to the TLS port
    raw = kslib.Conn(p2)
    raw.send(kslib.request(18, 0, corr=5))
    closed = raw.expect_closed(3)
    t.check(closed, "ApiVersions in plaintext to the SSL port: connection closed without an answer")
    line = a.wait_log(re.escape("tls handshake with %s failed: wrong version number" % raw.peer_name), 3)
    t.check(line is not None, "log: tls handshake with %s failed: wrong version number" % raw.peer_name)
    raw.close()

    # TLS 1.1
    old = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    old.load_verify_locations(ca_pem)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        old.minimum_version = ssl.TLSVersion.TLSv1
        old.maximum_version = ssl.TLSVersion.TLSv1_1
    old.set_ciphers("DEFAULT:@SECLEVEL=0")   # let the local OpenSSL offer TLS 1.1 at all
    s11 = kslib.Conn(p2)
    peer11 = s11.peer_name
    try:
        old.wrap_socket(s11.sock, server_hostname="127.0.0.1")
        t.check(False, "a TLS 1.1 client is refused")
    except ssl.SSLError as e:
        t.check("PROTOCOL_VERSION" in str(e) or "protocol version" in str(e),
                "a TLS 1.1 client is refused (%s)" % e)
    t.check(a.wait_log(re.escape("tls handshake with %s failed: unsupported protocol" % peer11), 3) is not None,
            "log: tls handshake with %s failed: unsupported protocol" % peer11)
    s11.close()

    # a TCP connection that never starts the handshake
    idle = kslib.Conn(p2)
    t0 = time.monotonic()
    closed = idle.expect_closed(8)
    took = time.monotonic() - t0
    t.check(closed and 2.5 <= took <= 6,
            "no handshake: closed after request.timeout.ms (3 s): %s after %.1f s" % (closed, took))
    t.check(a.wait_log(re.escape("tls handshake with %s failed: not completed within request.timeout.ms"
                                 % idle.peer_name), 2) is not None, "log: handshake not completed in time")
    idle.close()

    # SIGHUP: a new certificate in the same files
    write_pem(cert_file, srv2, chain=[ca[1]])
    os.kill(a.pid, signal.SIGHUP)
    reloaded = kslib.wait_until(lambda: len(re.findall(r"worker\[\d\] reloaded the TLS certificate",
                                                       a.log_text())) >= 2, 5)
    t.check(reloaded, "SIGHUP: both workers reloaded the certificate")
    serials = set()
    for _ in range(4):                       # connections land on either worker
        n = tls_conn(p2, ctx)
        serials.add(peer_serial(n))
        n.close()
    t.check(serials == {srv2.serial_number}, "after SIGHUP new connections get the new certificate")
    t.check(metadata_brokers(old_conn, corr=21) == {0: ("127.0.0.1", p2)} and
            peer_serial(old_conn) == old_serial, "the connection opened before SIGHUP still works")
    old_conn.close()
    # a broken key file: the reload fails, the last good certificate stays
    with open(key_file, "wb") as f:
        f.write(b"not a key\n")
    os.kill(a.pid, signal.SIGHUP)
    t.check(a.wait_log("could not reload the TLS certificate, keeping the old one: ssl.key.file .*: not a PEM "
                       "private key", 5) is not None, "SIGHUP with a broken key: error logged")
    n = tls_conn(p2, ctx)
    t.check(peer_serial(n) == srv2.serial_number and metadata_brokers(n) == {0: ("127.0.0.1", p2)},
            "after a failed reload the last good certificate is served")
    n.close()
    # a worker respawned while the key file is broken serves it too
    workers = [p for p, title in kslib.children(a.pid) if title.startswith("kafscaled: worker")]
    for w in workers:
        os.kill(w, signal.SIGKILL)

    def respawned():
        now = [p for p, title in kslib.children(a.pid) if title.startswith("kafscaled: worker")]
        return len(now) == 2 and not set(now) & set(workers)
    t.check(len(workers) == 2 and kslib.wait_until(respawned, 5), "both workers killed and respawned")
    serials = set()
    end = time.monotonic() + 5
    while len(serials) == 0 and time.monotonic() < end:
        try:
            for _ in range(4):
                n = tls_conn(p2, ctx)
                serials.add(peer_serial(n))
                n.close()
        except (OSError, kslib.Closed):
            time.sleep(0.2)
    t.check(serials == {srv2.serial_number},
            "respawned workers, key file still broken: the last good certificate is served")
    write_pem(key_file, key=srv_key)
    a.stop()

    # ---- broker B: started with an expired certificate ----
    exp_cert = write_pem(os.path.join(d, "expired.pem"), srv_expired)
    exp_key_file = write_pem(os.path.join(d, "expired.key"), key=exp_key)
    q1, q2 = kslib.free_port(), kslib.free_port()
    b = kslib.Broker(t, "b", {"listeners": "PLAINTEXT://127.0.0.1:%d,SSL://127.0.0.1:%d" % (q1, q2),
                              "ssl.certificate.file": exp_cert, "ssl.key.file": exp_key_file}, start=False)
    b.start(port=q1)
    t.check(b.wait_log("ssl.certificate.file .*expired.pem: the certificate expired on", 2) is not None,
            "a broker started with an expired certificate warns")
    try:
        tls_conn(q2, ctx).close()
        t.check(False, "the client refuses the expired server certificate")
    except ssl.SSLCertVerificationError as e:
        t.check("certificate has expired" in str(e), "the client refuses the expired server certificate (%s)" % e)
    rc, out, err = kcat(["-L", "-m", "3", "-b", "127.0.0.1:%d" % q2, "-X", "security.protocol=ssl",
                         "-X", "ssl.ca.location=" + ca_pem], timeout=10)
    t.check(rc != 0 and "certificate verify failed" in err,
            "kcat refuses the expired server certificate (%r)" % err.strip()[-200:])
    t.check(b.wait_log("tls handshake with .* failed: .*alert certificate expired", 2) is not None,
            "log: the clients' alert: certificate expired")
    b.stop()

    # ---- broker C: ssl.client.auth = required ----
    r1, r2 = kslib.free_port(), kslib.free_port()
    cb = kslib.Broker(t, "c", {"listeners": "PLAINTEXT://127.0.0.1:%d,SSL://127.0.0.1:%d" % (r1, r2),
                               "ssl.certificate.file": cert_file, "ssl.key.file": key_file,
                               "ssl.ca.file": ca_pem, "ssl.client.auth": "required"}, start=False)
    cb.start(port=r1)
    for what, cert, key, reason in (
            ("no client certificate", None, None, "peer did not return a certificate"),
            ("an expired client certificate", cli_exp_pem, cli_exp_key_pem, "certificate has expired"),
            ("a client certificate from another CA", cli_other_pem, cli_other_key_pem,
             "unable to get local issuer certificate")):
        before = cb.log_text().count("tls handshake with")
        ok, why = refused(r2, client_ctx(ca_pem, cert, key))
        t.check(ok, "ssl.client.auth=required: %s is refused (%s)" % (what, why))
        t.check(kslib.wait_until(lambda: any(reason in l for l in cb.log_text().splitlines()
                                             if "tls handshake with" in l and "failed" in l), 3)
                and cb.log_text().count("tls handshake with") > before,
                "log: %s -> tls handshake failed: ...%s" % (what, reason))
    good = tls_conn(r2, client_ctx(ca_pem, cli_pem, cli_key_pem))
    corr, err, keys = kslib.api_versions(good, 0, corr=31)
    t.check(corr == 31 and err == 0, "a valid client certificate is accepted")
    line = cb.wait_log(re.escape("tls handshake with %s done" % good.peer_name), 3)
    t.check(line is not None and line.endswith("principal User:CN=alice,OU=eng,O=acme"),
            "the principal is User:CN=alice,OU=eng,O=acme (%r)" % line)
    good.close()
    rc, out, err = kcat(["-L", "-m", "5", "-b", "127.0.0.1:%d" % r2, "-X", "security.protocol=ssl",
                         "-X", "ssl.ca.location=" + ca_pem, "-X", "ssl.certificate.location=" + cli_pem,
                         "-X", "ssl.key.location=" + cli_key_pem])
    t.check(rc == 0 and ("broker 0 at 127.0.0.1:%d" % r2) in out, "kcat with a client certificate works")
    rc, out, err = kcat(["-L", "-m", "3", "-b", "127.0.0.1:%d" % r2, "-X", "security.protocol=ssl",
                         "-X", "ssl.ca.location=" + ca_pem], timeout=10)
    t.check(rc != 0, "kcat without a client certificate is refused")
    cb.stop()

    # ---- two brokers on etcd: endpoints per listener, fallback ----
    if shutil.which("etcd") is None:
        kslib.log("etcd not installed: the two-broker part is skipped")
        return
    etcd = kslib.Etcd(t)
    shared = os.path.join(d, "objects-shared")
    os.makedirs(shared)
    common = {"metadata.store": "etcd", "etcd.endpoints": etcd.endpoint, "data.dir": shared, "workers": "1"}
    s1, s2, s3 = kslib.free_port(), kslib.free_port(), kslib.free_port()
    k1 = kslib.Broker(t, "k1", dict(common, **{
        "broker.id": "1", "listeners": "PLAINTEXT://127.0.0.1:%d,SSL://127.0.0.1:%d" % (s1, s2),
        "advertised.listeners": "SSL://localhost:%d" % s2,
        "ssl.certificate.file": cert_file, "ssl.key.file": key_file}), start=False)
    k2 = kslib.Broker(t, "k2", dict(common, **{"broker.id": "2", "listeners": "PLAINTEXT://127.0.0.1:%d" % s3}),
                      start=False)
    k1.start(port=s1)
    k2.start(port=s3)
    want_ssl = {1: ("localhost", s2), 2: ("127.0.0.1", s3)}
    want_plain = {1: ("127.0.0.1", s1), 2: ("127.0.0.1", s3)}
    got = {}

    def both(port, tls):
        c = tls_conn(port, ctx) if tls else kslib.Conn(port)
        try:
            got[port] = metadata_brokers(c)
        finally:
            c.close()
        return len(got[port]) == 2
    kslib.wait_until(lambda: both(s2, True), 15, 0.2)
    t.check(got.get(s2) == want_ssl, "two brokers, Metadata over SSL: each broker's SSL endpoint (advertised "
            "name), the broker without SSL at its first endpoint (%r)" % got.get(s2))
    kslib.wait_until(lambda: both(s3, False), 15, 0.2)
    t.check(got.get(s3) == want_plain, "two brokers, Metadata over PLAINTEXT: each broker's plaintext endpoint "
            "(%r)" % got.get(s3))
    k2.stop()
    k1.stop()


if __name__ == "__main__":
    kslib.Test("tls", timeout=150).run(main)

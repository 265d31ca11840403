#!/usr/bin/python3
"""Security end to end, as a Kafka user sets it up: one broker with a
PLAINTEXT listener (kept for the test's own set-up), a SASL_SSL listener and
an SSL listener that requires client certificates (ssl.client.auth =
required, which SASL_SSL listeners do not apply, as in Kafka), authorizer =
acl and super.users = User:admin.

- kcat, confluent-kafka and kafka-python produce and consume over SASL_SSL
  with each of PLAIN, SCRAM-SHA-256 and SCRAM-SHA-512;
- each client with a wrong password is refused with Kafka's error 58
  (SASL_AUTHENTICATION_FAILED), which it reports as an authentication
  failure;
- User:bob (SCRAM over SASL_SSL) is denied produce, consume, group and
  admin operations with Kafka's error codes, and allowed each one after
  the super user grants it with CreateAcls over SASL_SSL (kafka-python's
  admin client); the denials are counted in /metrics;
- a client certificate's subject is the principal on the SSL listener:
  User:CN=carol,O=kafscale-test is denied produce until an ACL names it."""
import os
import re
import subprocess
import sys
import time
import urllib.request

sys.dont_write_bytecode = True   # no __pycache__ in the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import kslib  # noqa: E402
from tlscerts import DAY, NOW, make_leaf, name, server_files, write_pem  # noqa: E402

from confluent_kafka import Consumer, KafkaError, Producer, TopicPartition  # noqa: E402
from confluent_kafka.admin import AdminClient, NewTopic  # noqa: E402

MECHS = ("PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512")
PW = {"admin": "Adm1n-sec-pw-7f3a", "bob": "B0b-sec-pw-91c2"}
SASL_AUTHENTICATION_FAILED = 58
TOPIC_AUTHORIZATION_FAILED = 29
GROUP_AUTHORIZATION_FAILED = 30


def kcat(args, stdin=None, timeout=20):
    return subprocess.run(["kcat"] + args, input=stdin, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                          timeout=timeout, universal_newlines=True)


def ck_conf(port, ca_pem, mech, user, pw):
    return {"bootstrap.servers": "127.0.0.1:%d" % port, "security.protocol": "SASL_SSL",
            "ssl.ca.location": ca_pem, "sasl.mechanisms": mech, "sasl.username": user,
            "sasl.password": pw}


def ck_produce(conf, topic, values, timeout=20):
    """Returns the list of delivery errors (None for delivered)."""
    res = []
    errors = []
    p = Producer(dict(conf, **{"acks": "all", "message.timeout.ms": 10000,
                               "error_cb": lambda e: errors.append(e)}))
    for v in values:
        p.produce(topic, v, callback=lambda e, m: res.append(e))
    p.flush(timeout)
    return res, errors


def ck_read(conf, topic, n, timeout=15):
    """Reads n values from partition 0 by assignment (no group)."""
    c = Consumer(dict(conf, **{"group.id": "unused", "enable.auto.commit": False,
                               "auto.offset.reset": "earliest"}))
    c.assign([TopicPartition(topic, 0, 0)])
    got = []
    end = time.time() + timeout
    while len(got) < n and time.time() < end:
        m = c.poll(0.5)
        if m is not None and m.error() is None:
            got.append(m.value())
    c.close()
    return got


def kp_conf(port, ca_pem, mech, user, pw):
    return dict(bootstrap_servers="127.0.0.1:%d" % port, security_protocol="SASL_SSL", ssl_cafile=ca_pem,
                ssl_check_hostname=False, sasl_mechanism=mech, sasl_plain_username=user,
                sasl_plain_password=pw, api_version_auto_timeout_ms=5000, request_timeout_ms=10000)


def metric_sum(ops_port, name):
    text = urllib.request.urlopen("http://127.0.0.1:%d/metrics" % ops_port, timeout=5).read().decode()
    total = 0.0
    for line in text.splitlines():
        if line.startswith(name + "{") or line.startswith(name + " "):
            total += float(line.rsplit(" ", 1)[1])
    return total


def main(t):
    from kafka import KafkaConsumer, KafkaProducer
    from kafka.admin import (ACL, ACLOperation, ACLPermissionType, ACLResourcePatternType,
                             KafkaAdminClient, ResourcePattern, ResourceType)
    from kafka.errors import KafkaError as KPError

    d = t.tmp
    ca, ca_pem, cert_file, key_file = server_files(d, "security test CA")
    ckey, ccert = make_leaf(ca, name(CN="carol", O="kafscale-test"), False, NOW - DAY, NOW + 10 * DAY)
    carol_pem = write_pem(os.path.join(d, "carol.pem"), ccert)
    carol_key = write_pem(os.path.join(d, "carol.key"), key=ckey)

    plain, sport, tport = kslib.free_port(), kslib.free_port(), kslib.free_port()
    b = kslib.Broker(t, "b1", {
        "listeners": "PLAINTEXT://127.0.0.1:%d,SASL_SSL://127.0.0.1:%d,SSL://127.0.0.1:%d" % (plain, sport, tport),
        "ssl.certificate.file": cert_file, "ssl.key.file": key_file, "ssl.ca.file": ca_pem,
        "ssl.client.auth": "required", "num.partitions": "1",
        "authorizer": "acl", "super.users": "User:admin",
    }, start=False)
    b.start(port=plain)

    # users through the trusted ops endpoint (kafscalectl), admin with both
    # SCRAM mechanisms (PLAIN checks against either), bob with SHA-256
    pwfile = os.path.join(d, "pw")
    for user, mechs in (("admin", ("SCRAM-SHA-256", "SCRAM-SHA-512")), ("bob", ("SCRAM-SHA-256",))):
        with open(pwfile, "w") as f:
            f.write(PW[user] + "\n")
        for mech in mechs:
            r = subprocess.run([os.path.join(kslib.BUILDDIR, "kafscalectl"), "-s", "127.0.0.1:%d" % b.ops_port,
                                "users", "set", user, "--mechanism", mech, "--password-file", pwfile],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, universal_newlines=True, timeout=10)
            t.check(r.returncode == 0, "kafscalectl users set %s %s: %s" % (user, mech, r.stderr.strip()))
    os.unlink(pwfile)

    # ---- every client, every mechanism, over SASL_SSL (admin: super user)
    for mech in MECHS:
        tag = mech.lower().replace("-", "")
        kargs = ["-b", "127.0.0.1:%d" % sport, "-X", "security.protocol=SASL_SSL", "-X", "ssl.ca.location=" + ca_pem,
                 "-X", "sasl.mechanisms=" + mech, "-X", "sasl.username=admin"]
        lines = "".join("kcat-%s-%d\n" % (tag, i) for i in range(5))
        r = kcat(kargs + ["-X", "sasl.password=" + PW["admin"], "-P", "-t", "kcat-" + tag], stdin=lines)
        t.check(r.returncode == 0, "kcat produces over SASL_SSL with %s: %s" % (mech, r.stderr[-300:]))
        r = kcat(kargs + ["-X", "sasl.password=" + PW["admin"], "-C", "-t", "kcat-" + tag, "-o", "beginning",
                          "-e", "-q"])
        t.check(r.returncode == 0 and r.stdout == lines, "kcat consumes over SASL_SSL with %s" % mech)
        r = kcat(kargs + ["-X", "sasl.password=wrong-" + PW["admin"], "-L", "-m", "3"])
        t.check(r.returncode != 0 and "Authentication failed" in r.stderr,
                "kcat with a wrong password (%s) is refused: %s" % (mech, r.stderr[-200:].strip()))

        conf = ck_conf(sport, ca_pem, mech, "admin", PW["admin"])
        vals = [b"ck-%s-%d" % (tag.encode(), i) for i in range(5)]
        res, _ = ck_produce(conf, "ck-" + tag, vals)
        t.check(res == [None] * 5, "confluent-kafka produces over SASL_SSL with %s: %r" % (mech, res))
        t.check(ck_read(conf, "ck-" + tag, 5) == vals, "confluent-kafka consumes over SASL_SSL with %s" % mech)
        res, errors = ck_produce(ck_conf(sport, ca_pem, mech, "admin", "wrong"), "ck-" + tag, [b"x"], timeout=6)
        t.check(res != [None] and any(e.code() == KafkaError._AUTHENTICATION for e in errors),
                "confluent-kafka with a wrong password (%s): authentication error %r" % (mech, errors[:1]))

        kp = kp_conf(sport, ca_pem, mech, "admin", PW["admin"])
        p = KafkaProducer(acks="all", **kp)
        futs = [p.send("kp-" + tag, b"kp-%d" % i) for i in range(5)]
        p.flush(20)
        ok = all(f.succeeded() for f in futs)
        p.close(5)
        t.check(ok, "kafka-python produces over SASL_SSL with %s" % mech)
        c = KafkaConsumer("kp-" + tag, auto_offset_reset="earliest", consumer_timeout_ms=5000, group_id=None, **kp)
        got = [m.value for m in c]
        c.close()
        t.check(got == [b"kp-%d" % i for i in range(5)], "kafka-python consumes over SASL_SSL with %s" % mech)
        refused = None
        try:
            KafkaProducer(**kp_conf(sport, ca_pem, mech, "admin", "wrong")).close(1)
        except KPError as e:
            refused = e
        t.check(refused is not None, "kafka-python with a wrong password (%s) is refused: %r" % (mech, refused))

    # ---- a principal without rights: bob
    bob = ck_conf(sport, ca_pem, "SCRAM-SHA-256", "bob", PW["bob"])
    denied0 = metric_sum(b.ops_port, "kafscale_authorization_denied_total")
    res, _ = ck_produce(dict(bob, **{"allow.auto.create.topics": False}), "orders", [b"o-1"], timeout=12)
    t.check(len(res) == 1 and res[0] is not None and res[0].code() == KafkaError.TOPIC_AUTHORIZATION_FAILED,
            "bob's produce to orders is denied: %r" % res)

    def bob_group_read(timeout=15):
        """Subscribes as group billing; returns (values, first error code)."""
        c = Consumer(dict(bob, **{"group.id": "billing", "auto.offset.reset": "earliest",
                                  "enable.auto.commit": False}))
        c.subscribe(["orders"])
        got, err = [], None
        end = time.time() + timeout
        while time.time() < end and not got:
            m = c.poll(0.5)
            if m is None:
                continue
            if m.error() is not None:
                err = err or m.error().code()
                if err in (KafkaError.GROUP_AUTHORIZATION_FAILED, KafkaError.TOPIC_AUTHORIZATION_FAILED):
                    break
                continue
            got.append(m.value())
        if got:
            c.commit(asynchronous=False)
        c.close()
        return got, err

    # the admin writes one record for bob to read later
    res, _ = ck_produce(ck_conf(sport, ca_pem, "SCRAM-SHA-512", "admin", PW["admin"]), "orders", [b"o-1"])
    t.check(res == [None], "admin produces to orders")
    got, err = bob_group_read(timeout=10)
    t.check(not got and err in (KafkaError.GROUP_AUTHORIZATION_FAILED, KafkaError.TOPIC_AUTHORIZATION_FAILED),
            "bob's group consumption of orders is denied (error %s)" % err)
    a = AdminClient(bob)
    fs = a.create_topics([NewTopic("bobs-topic", 1, 1)], request_timeout=10)
    try:
        fs["bobs-topic"].result(15)
        created = None
    except Exception as e:  # KafkaException carrying the KafkaError
        created = e.args[0].code() if e.args and hasattr(e.args[0], "code") else repr(e)
    t.check(created == KafkaError.TOPIC_AUTHORIZATION_FAILED, "bob's CreateTopics is denied: %r" % created)
    denied1 = metric_sum(b.ops_port, "kafscale_authorization_denied_total")
    t.check(denied1 >= denied0 + 3, "denials counted in /metrics: %s -> %s" % (denied0, denied1))
    t.check(b.wait_log(r"denied User:bob from 127\.0\.0\.1: (WRITE|DESCRIBE) on topic orders", 3),
            "the denial of bob's produce is logged")

    # ---- the super user grants bob's rights over SASL_SSL (CreateAcls)
    ka = KafkaAdminClient(**kp_conf(sport, ca_pem, "SCRAM-SHA-512", "admin", PW["admin"]))

    def allow(op, rtype, rname):
        return ACL(principal="User:bob", host="*", operation=op, permission_type=ACLPermissionType.ALLOW,
                   resource_pattern=ResourcePattern(rtype, rname, ACLResourcePatternType.LITERAL))
    res = ka.create_acls([allow(ACLOperation.WRITE, ResourceType.TOPIC, "orders"),
                          allow(ACLOperation.READ, ResourceType.TOPIC, "orders"),
                          allow(ACLOperation.READ, ResourceType.GROUP, "billing"),
                          allow(ACLOperation.CREATE, ResourceType.CLUSTER, "kafka-cluster")])
    ka.close()
    t.check(len(res["succeeded"]) == 4 and not res["failed"], "admin creates bob's ACLs over SASL_SSL: %s" % res)

    def granted():
        r, _ = ck_produce(dict(bob, **{"allow.auto.create.topics": False}), "orders", [b"o-2"], timeout=8)
        return r == [None]
    t.check(kslib.wait_until(granted, 20, interval=0.5), "bob's produce to orders is allowed after the grant")
    got, err = bob_group_read()
    t.check(got[:1] == [b"o-1"], "bob consumes orders in group billing after the grant (%r, error %s)" % (got, err))
    fs = a.create_topics([NewTopic("bobs-topic", 1, 1)], request_timeout=10)
    try:
        fs["bobs-topic"].result(15)
        created = 0
    except Exception as e:
        created = repr(e)
    t.check(created == 0, "bob's CreateTopics is allowed after CREATE on the cluster: %r" % created)

    # ---- a client certificate is the principal on the SSL listener
    cargs = ["-b", "127.0.0.1:%d" % tport, "-X", "security.protocol=ssl", "-X", "ssl.ca.location=" + ca_pem,
             "-X", "ssl.certificate.location=" + carol_pem, "-X", "ssl.key.location=" + carol_key]
    r = kcat(cargs + ["-P", "-t", "orders", "-X", "message.timeout.ms=8000", "-X", "topic.request.required.acks=-1"],
             stdin="carol-1\n")
    t.check(r.returncode != 0 or "Authorization failed" in r.stderr or "authorization" in r.stderr.lower(),
            "carol (client certificate) is denied produce: rc %d %s" % (r.returncode, r.stderr[-200:].strip()))
    t.check(b.wait_log(r"denied User:CN=carol,O=kafscale-test from 127\.0\.0\.1: (WRITE|DESCRIBE) on topic orders", 3),
            "the denial names the certificate's subject as the principal")
    r = subprocess.run([os.path.join(kslib.BUILDDIR, "kafscalectl"), "-s", "127.0.0.1:%d" % b.ops_port,
                        "acls", "add", "--allow", "--principal", "User:CN=carol,O=kafscale-test",
                        "--operation", "write", "--topic", "orders"],
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE, universal_newlines=True, timeout=10)
    t.check(r.returncode == 0, "kafscalectl grants carol WRITE on orders: %s" % r.stderr.strip())

    def carol_ok():
        r = kcat(cargs + ["-P", "-t", "orders", "-X", "message.timeout.ms=5000",
                          "-X", "topic.request.required.acks=-1"], stdin="carol-2\n")
        return r.returncode == 0 and "rror" not in r.stderr
    t.check(kslib.wait_until(carol_ok, 20, interval=0.5), "carol's produce is allowed after the grant")

    log = b.log_text()
    for pw in PW.values():
        t.check(pw not in log, "no password in the broker log")
    t.check(not re.search(r"wrong-Adm1n", log), "no presented password in the broker log")
    b.stop()


if __name__ == "__main__":
    kslib.Test("security", timeout=170).run(main)

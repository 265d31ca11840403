#!/usr/bin/python3
"""ACL authorization (authorizer = acl) for User:ANONYMOUS on a PLAINTEXT
listener: without ACLs, produce (confluent-kafka and kafka-python), fetch,
group join and offset commit, CreateTopics, DeleteTopics, AlterConfigs and
the ACL APIs are denied with Kafka's error codes, Metadata hides topics;
ACLs granted with kafscalectl allow each of them; a DENY beats an ALLOW; a
prefixed pattern; CreateAcls / DescribeAcls / DeleteAcls over the wire
(kafka-python's KafkaAdminClient and raw frames, with their errors);
denials in /metrics and in the log; ACLs survive a restart; super.users
allows everything; authorizer = none answers the ACL APIs with
SECURITY_DISABLED and enforces nothing; two brokers on one etcd apply a
binding made through either.  Authorized operations (raw Metadata v8 and
DescribeCluster): the bits of what the principal may do on a topic and on
the cluster, INT32_MIN when not asked for, everything for a super user and
with authorizer = none."""
import json
import os
import re
import subprocess
import sys
import time
import urllib.request

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import kslib  # noqa: E402
from kslib import i8, i16, i32, i64, string, array  # noqa: E402

from confluent_kafka import Consumer, KafkaError, Producer, TopicPartition  # noqa: E402
from confluent_kafka.admin import AdminClient, ConfigResource, NewTopic  # noqa: E402

KAFSCALECTL = os.path.join(os.environ.get("KS_BUILDDIR", "."), "kafscalectl")
ANON = "User:ANONYMOUS"
TOPIC_AUTHZ, GROUP_AUTHZ, CLUSTER_AUTHZ = 29, 30, 31
INVALID_REQUEST, SECURITY_DISABLED = 42, 54


def ctl(b, *args):
    r = subprocess.run([KAFSCALECTL, "-s", "127.0.0.1:%d" % b.ops_port, "-b", b.addr] + list(args),
                       capture_output=True, text=True, timeout=20)
    return r.returncode, r.stdout, r.stderr


def grant(t, b, *args):
    rc, out, err = ctl(b, "acls", "add", *args)
    if rc != 0:
        raise kslib.Failure("kafscalectl acls add %s: exit %d: %s" % (" ".join(args), rc, err))


def revoke(t, b, *args):
    rc, out, err = ctl(b, "acls", "remove", *args)
    if rc != 0:
        raise kslib.Failure("kafscalectl acls remove %s: exit %d: %s" % (" ".join(args), rc, err))


def call(b, key, ver, body):
    c = kslib.Conn(b.port, timeout=10)
    c.send(kslib.request(key, ver, body, corr=11))
    r = kslib.Reader(c.recv_frame(timeout=10))
    c.close()
    if r.i32() != 11:
        raise kslib.Failure("wrong correlation id")
    return r


def produce_confluent(b, topic, n=3):
    """Delivery error codes of n messages (0 = delivered)."""
    p = Producer({"bootstrap.servers": b.addr, "message.timeout.ms": 6000, "retries": 0,
                  "topic.metadata.refresh.interval.ms": 500})
    codes = []
    for i in range(n):
        p.produce(topic, value=b"v%d" % i,
                  on_delivery=lambda e, m: codes.append(0 if e is None else e.code()))
    p.flush(15)
    return codes


def produce_kafka_python(b, topic):
    """The exception class name of a send, or "ok"."""
    from kafka import KafkaProducer
    p = KafkaProducer(bootstrap_servers=b.addr, retries=0, max_block_ms=8000, request_timeout_ms=8000,
                      api_version=(2, 5))
    try:
        p.send(topic, b"kp").get(timeout=10)
        return "ok"
    except Exception as e:  # noqa: BLE001 - the class is what we check
        return type(e).__name__
    finally:
        p.close(timeout=5)


def fetch_raw(b, topic):
    """Fetch v4 of partition 0 from offset 0: (error code, bytes of records)."""
    body = (i32(-1) + i32(100) + i32(1) + i32(1 << 20) + i8(0) +
            array([topic], lambda tn: string(tn) + array([0], lambda p: i32(p) + i64(0) + i32(1 << 20))))
    r = call(b, 1, 4, body)
    r.i32()
    r.i32()  # topics
    r.string()
    r.i32()  # partitions
    r.i32()
    err = r.i16()
    r.i64()
    r.i64()
    n = r.i32()
    for _ in range(max(n, 0)):
        r.i64()
        r.i64()
    size = r.i32()
    return err, max(size, 0)


def consume_confluent(b, topic, n, group=None, timeout=10):
    """(records, error codes) of a consumer reading topic from the start."""
    conf = {"bootstrap.servers": b.addr, "group.id": group or "acl-nogroup", "enable.auto.commit": False,
            "auto.offset.reset": "earliest", "topic.metadata.refresh.interval.ms": 500}
    c = Consumer(conf)
    if group is None:
        c.assign([TopicPartition(topic, 0, 0)])
    else:
        c.subscribe([topic])
    got, errs = [], []
    end = time.monotonic() + timeout
    while time.monotonic() < end and len(got) < n:
        m = c.poll(0.5)
        if m is None:
            continue
        if m.error():
            errs.append(m.error().code())
            if m.error().code() == KafkaError.TOPIC_AUTHORIZATION_FAILED:
                break
            continue
        got.append(m.value())
    if group is not None and got:
        try:
            c.commit(asynchronous=False)
        except Exception as e:  # noqa: BLE001
            errs.append(e.args[0].code())
    c.close()
    return got, errs


def join_raw(b, group):
    body = string(group) + i32(10000) + string("") + string("consumer") + \
        array([("range", b"\x00\x00")], lambda p: string(p[0]) + i32(len(p[1])) + p[1])
    return call(b, 11, 0, body).i16()


def commit_raw(b, group, topic):
    """OffsetCommit v2 (simple commit, generation -1): the partition's error."""
    body = string(group) + i32(-1) + string("") + i64(-1) + \
        array([topic], lambda tn: string(tn) + array([0], lambda p: i32(p) + i64(1) + string("")))
    r = call(b, 8, 2, body)
    r.i32()
    r.string()
    r.i32()
    r.i32()
    return r.i16()


def metadata_raw(b, topics):
    """Metadata v1: {topic: error code}."""
    r = call(b, 3, 1, array(topics, string) if topics is not None else i32(-1))
    for _ in range(r.i32()):
        r.i32()
        r.string()
        r.i32()
        r.string()
    r.i32()
    out = {}
    for _ in range(r.i32()):
        err, name = r.i16(), r.string()
        r.i8()
        for _ in range(r.i32()):
            r.i16()
            r.i32()
            r.i32()
            r.take(4 * r.i32())
            r.take(4 * r.i32())
        out[name] = err
    return out


# AclOperation codes, as bits of the authorized-operations fields
OP = {"read": 3, "write": 4, "create": 5, "delete": 6, "alter": 7, "describe": 8, "cluster_action": 9,
      "describe_configs": 10, "alter_configs": 11, "idempotent_write": 12}
TOPIC_OPS = ["read", "write", "create", "delete", "alter", "describe", "describe_configs", "alter_configs"]
CLUSTER_OPS = ["create", "alter", "describe", "cluster_action", "describe_configs", "alter_configs",
               "idempotent_write"]
GROUP_OPS = ["read", "describe", "delete"]
INT32_MIN = -2 ** 31


def bits(*ops):
    return sum(1 << OP[o] for o in ops)


def metadata_v8(b, topics, auto=False, cluster_ops=True, topic_ops=True):
    """Metadata v8: (cluster_authorized_operations, {topic: (error, topic_authorized_operations)})."""
    body = (array(topics, string) if topics is not None else i32(-1)) + \
        kslib.boolean(auto) + kslib.boolean(cluster_ops) + kslib.boolean(topic_ops)
    r = call(b, 3, 8, body)
    r.i32()                                      # throttle
    for _ in range(r.i32()):
        r.i32()
        r.string()
        r.i32()
        r.string()
    r.string()                                   # cluster id
    r.i32()                                      # controller
    out = {}
    for _ in range(r.i32()):
        err, name = r.i16(), r.string()
        r.i8()
        for _ in range(r.i32()):
            r.i16()
            r.i32()
            r.i32()
            r.i32()                              # leader epoch
            r.take(4 * r.i32())
            r.take(4 * r.i32())
            r.take(4 * r.i32())                  # offline replicas
        out[name] = (err, r.i32())
    return r.i32(), out


def describe_cluster_raw(b, include=True):
    """DescribeCluster v0 (flexible): (error, cluster_authorized_operations)."""
    c = kslib.Conn(b.port, timeout=10)
    c.send(kslib.request(60, 0, kslib.boolean(include) + kslib.uvarint(0), corr=12, header_version=2))
    r = kslib.Reader(c.recv_frame(timeout=10))
    c.close()
    if r.i32() != 12:
        raise kslib.Failure("wrong correlation id")
    r.tagged()
    r.i32()
    err = r.i16()
    r.compact_string()
    r.compact_string()
    r.i32()
    for _ in range(r.uvarint() - 1):
        r.i32()
        r.compact_string()
        r.i32()
        r.compact_string()
        r.tagged()
    return err, r.i32()


def describe_groups_raw(b, groups, include=True):
    """DescribeGroups v3: {group: (error, state, authorized_operations)}."""
    r = call(b, 15, 3, array(groups, string) + kslib.boolean(include))
    r.i32()                                      # throttle
    out = {}
    for _ in range(r.i32()):
        err, name, state = r.i16(), r.string(), r.string()
        r.string()                               # protocol type
        r.string()                               # protocol data
        for _ in range(r.i32()):
            r.string()                           # member id
            r.string()                           # client id
            r.string()                           # client host
            r.take(max(r.i32(), 0))              # member metadata
            r.take(max(r.i32(), 0))              # member assignment
        out[name] = (err, state, r.i32())
    return out


def acl_creation(rt, name, pt, principal, host, op, perm):
    return i8(rt) + string(name) + i8(pt) + string(principal) + string(host) + i8(op) + i8(perm)


def create_acls_raw(b, creations):
    r = call(b, 30, 1, array(creations, lambda c: c))
    r.i32()
    return [(r.i16(), r.string()) for _ in range(r.i32())]


def describe_acls_raw(b, rt=1, name=None, pt=1, principal=None, host=None, op=1, perm=1):
    r = call(b, 29, 1, i8(rt) + string(name) + i8(pt) + string(principal) + string(host) + i8(op) + i8(perm))
    r.i32()
    err, msg = r.i16(), r.string()
    res = []
    for _ in range(r.i32()):
        rtype, rname, rpt = r.i8(), r.string(), r.i8()
        for _ in range(r.i32()):
            res.append((rtype, rname, rpt, r.string(), r.string(), r.i8(), r.i8()))
    return err, msg, res


def metrics(b):
    with urllib.request.urlopen("http://127.0.0.1:%d/metrics" % b.ops_port, timeout=10) as r:
        text = r.read().decode()
    out = {}
    for m in re.finditer(r'^kafscale_authorization_denied_total\{resource="(\w+)",operation="(\w+)"\} (\d+)$',
                         text, re.M):
        out[(m.group(1), m.group(2))] = int(m.group(3))
    return out


def main(t):
    opts = {"authorizer": "acl", "num.partitions": "1", "group.initial.rebalance.delay.ms": "100"}
    b = kslib.Broker(t, "b1", opts)
    admin = AdminClient({"bootstrap.servers": b.addr})

    # ---- nothing is allowed without ACLs ----
    fs = admin.create_topics([NewTopic("orders", 1, 1)], operation_timeout=10)
    try:
        fs["orders"].result(15)
        t.check(False, "CreateTopics without ACLs is denied")
    except Exception as e:  # noqa: BLE001
        t.check(e.args[0].code() == KafkaError.TOPIC_AUTHORIZATION_FAILED,
                "CreateTopics without ACLs: TOPIC_AUTHORIZATION_FAILED (%s)" % e)
    err, _, _ = describe_acls_raw(b)
    t.check(err == CLUSTER_AUTHZ, "DescribeAcls without DESCRIBE on the cluster: %d" % err)
    t.check(create_acls_raw(b, [acl_creation(2, "x", 3, ANON, "*", 2, 3)])[0][0] == CLUSTER_AUTHZ,
            "CreateAcls without ALTER on the cluster: CLUSTER_AUTHORIZATION_FAILED")

    # topics made with CREATE on the cluster, which is then taken back
    grant(t, b, "--allow", "--principal", ANON, "--operation", "create", "--cluster")
    fs = admin.create_topics([NewTopic(n, 1, 1) for n in ("orders", "pfx-a", "other")], operation_timeout=10)
    for n, f in fs.items():
        f.result(15)
    t.check(True, "CreateTopics with CREATE on the cluster")
    revoke(t, b, "--operation", "create", "--cluster")

    md = metadata_raw(b, None)
    t.check(md == {}, "Metadata of all topics hides the three topics: %s" % md)
    md = metadata_raw(b, ["orders"])
    t.check(md == {"orders": TOPIC_AUTHZ}, "Metadata naming orders: TOPIC_AUTHORIZATION_FAILED (%s)" % md)
    md = metadata_raw(b, ["newtopic"])
    t.check(md == {"newtopic": TOPIC_AUTHZ}, "Metadata auto-creating newtopic without CREATE: %s" % md)

    codes = produce_confluent(b, "orders")
    t.check(codes and all(c == KafkaError.TOPIC_AUTHORIZATION_FAILED for c in codes),
            "confluent-kafka produce without ACLs: TOPIC_AUTHORIZATION_FAILED (%s)" % codes)
    # DESCRIBE only: Metadata works, the Produce request itself is denied
    grant(t, b, "--allow", "--principal", ANON, "--operation", "describe", "--topic", "orders")
    md = metadata_raw(b, None)
    t.check(list(md) == ["orders"], "Metadata of all topics shows orders with DESCRIBE: %s" % md)
    # ---- authorized operations: DESCRIBE on orders, READ on pfx-a ----
    grant(t, b, "--allow", "--principal", ANON, "--operation", "read", "--topic", "pfx-a")
    cops, md = metadata_v8(b, ["orders", "pfx-a", "other"])
    t.check(md == {"orders": (0, bits("describe")), "pfx-a": (0, bits("read", "describe")),
                   "other": (TOPIC_AUTHZ, INT32_MIN)},
            "Metadata v8 topic_authorized_operations: DESCRIBE on orders, READ+DESCRIBE on pfx-a, "
            "INT32_MIN on a denied topic: %s" % md)
    t.check(cops == 0, "Metadata v8 cluster_authorized_operations without DESCRIBE on the cluster: 0 (%s)" % cops)
    cops, md = metadata_v8(b, None)
    t.check(md == {"orders": (0, bits("describe")), "pfx-a": (0, bits("read", "describe"))},
            "Metadata v8 of all topics: the visible ones with their bits: %s" % md)
    cops, md = metadata_v8(b, ["pfx-a"], cluster_ops=False, topic_ops=False)
    t.check(cops == INT32_MIN and md == {"pfx-a": (0, INT32_MIN)},
            "Metadata v8 not asking for authorized operations: INT32_MIN (%s %s)" % (cops, md))
    revoke(t, b, "--operation", "read", "--topic", "pfx-a")

    codes = produce_confluent(b, "orders")
    t.check(codes and all(c == KafkaError.TOPIC_AUTHORIZATION_FAILED for c in codes),
            "confluent-kafka Produce without WRITE: TOPIC_AUTHORIZATION_FAILED (%s)" % codes)
    kp = produce_kafka_python(b, "orders")
    t.check(kp == "TopicAuthorizationFailedError", "kafka-python produce without WRITE: %s" % kp)
    err, _ = fetch_raw(b, "orders")
    t.check(err == TOPIC_AUTHZ, "Fetch without READ: %d" % err)
    got, errs = consume_confluent(b, "orders", 1, timeout=6)
    t.check(not got and KafkaError.TOPIC_AUTHORIZATION_FAILED in errs,
            "confluent-kafka consumer without READ: %s" % errs)
    t.check(join_raw(b, "g1") == GROUP_AUTHZ, "JoinGroup without READ on the group: GROUP_AUTHORIZATION_FAILED")
    t.check(commit_raw(b, "g1", "orders") == GROUP_AUTHZ,
            "OffsetCommit without READ on the group: GROUP_AUTHORIZATION_FAILED")
    fs = admin.delete_topics(["other"], operation_timeout=10)
    try:
        fs["other"].result(15)
        t.check(False, "DeleteTopics without DELETE is denied")
    except Exception as e:  # noqa: BLE001
        t.check(e.args[0].code() == KafkaError.TOPIC_AUTHORIZATION_FAILED, "DeleteTopics without DELETE: %s" % e)
    res = ConfigResource("TOPIC", "orders", set_config={"retention.ms": "3600000"})
    try:
        admin.alter_configs([res])[res].result(15)
        t.check(False, "AlterConfigs of a topic without ALTER_CONFIGS is denied")
    except Exception as e:  # noqa: BLE001
        t.check(e.args[0].code() == KafkaError.TOPIC_AUTHORIZATION_FAILED, "AlterConfigs of a topic: %s" % e)
    res = ConfigResource("BROKER", "0", set_config={"log.level": "debug"})
    try:
        admin.alter_configs([res])[res].result(15)
        t.check(False, "AlterConfigs of the broker without ALTER_CONFIGS on the cluster is denied")
    except Exception as e:  # noqa: BLE001
        t.check(e.args[0].code() == KafkaError.CLUSTER_AUTHORIZATION_FAILED, "AlterConfigs of the broker: %s" % e)

    m = metrics(b)
    t.check(m.get(("topic", "write"), 0) >= 2 and m.get(("group", "read"), 0) >= 2 and
            m.get(("topic", "read"), 0) >= 1 and m.get(("cluster", "alter_configs"), 0) >= 1,
            "denials counted in /metrics: %s" % m)
    t.check(b.wait_log(r"info worker\[\d\] denied User:ANONYMOUS from 127\.0\.0\.1: WRITE on topic orders")
            is not None, "the log names the denied WRITE on topic orders")
    t.check(b.wait_log(r"info coordinator denied User:ANONYMOUS from 127\.0\.0\.1: READ on group g1")
            is not None, "the log names the denied READ on group g1")
    n_lines = len(re.findall(r"denied User:ANONYMOUS from 127\.0\.0\.1: WRITE on topic orders", b.log_text()))
    t.check(1 <= n_lines <= 2, "denials of one connection are rate-limited (%d lines)" % n_lines)

    # ---- kafscalectl's errors ----
    rc, _, err = ctl(b, "acls", "add", "--allow", "--operation", "write", "--topic", "orders")
    t.check(rc == 2 and "--principal" in err, "acls add without --principal: exit 2 (%s)" % err.strip())
    rc, _, err = ctl(b, "acls", "add", "--allow", "--principal", ANON, "--operation", "scribble", "--topic", "x")
    t.check(rc == 1 and "operation must be one of" in err, "acls add with a bad operation: exit 1 (%s)" % err.strip())
    rc, _, err = ctl(b, "acls", "add", "--allow", "--principal", "bob", "--operation", "read", "--topic", "x")
    t.check(rc == 1 and "TYPE:NAME" in err, "acls add with a principal without a type: exit 1 (%s)" % err.strip())
    rc, _, err = ctl(b, "acls", "remove", "--principal", "User:nobody", "--topic", "orders")
    t.check(rc == 1 and "no ACL binding matched" in err, "acls remove matching nothing: exit 1 (%s)" % err.strip())

    # ---- grants ----
    grant(t, b, "--allow", "--principal", ANON, "--operation", "write", "--topic", "orders")
    grant(t, b, "--allow", "--principal", ANON, "--operation", "read", "--topic", "orders")
    grant(t, b, "--allow", "--principal", ANON, "--operation", "read", "--group", "g1")
    rc, out, _ = ctl(b, "acls", "list", "--topic", "orders")
    t.check(rc == 0 and out.count("User:ANONYMOUS") == 3, "kafscalectl acls list --topic orders:\n%s" % out)
    codes = produce_confluent(b, "orders")
    t.check(codes == [0, 0, 0], "confluent-kafka produce with WRITE: %s" % codes)
    kp = produce_kafka_python(b, "orders")
    t.check(kp == "ok", "kafka-python produce with WRITE: %s" % kp)
    got, errs = consume_confluent(b, "orders", 4, group="g1")
    t.check(len(got) == 4 and not errs, "group g1 consumes and commits with READ: %d records, errors %s"
            % (len(got), errs))
    t.check(commit_raw(b, "g1", "orders") == 0, "OffsetCommit with READ on group and topic")
    t.check(commit_raw(b, "g2", "orders") == GROUP_AUTHZ, "OffsetCommit to another group: denied")
    # READ on g1 implies DESCRIBE: bits 3 and 8 (0x108); g2 is denied, INT32_MIN
    dg = describe_groups_raw(b, ["g1", "g2"])
    t.check(dg == {"g1": (0, "Empty", bits("read", "describe")), "g2": (GROUP_AUTHZ, "", INT32_MIN)}
            and bits("read", "describe") == 0x108,
            "DescribeGroups v3 authorized_operations: READ+DESCRIBE on g1, INT32_MIN on a denied group: %s" % dg)
    dg = describe_groups_raw(b, ["g1"], include=False)
    t.check(dg == {"g1": (0, "Empty", INT32_MIN)}, "DescribeGroups v3 not asking: INT32_MIN (%s)" % dg)

    # ---- a DENY beats the ALLOW ----
    grant(t, b, "--deny", "--principal", ANON, "--operation", "write", "--topic", "orders")
    codes = produce_confluent(b, "orders", 1)
    t.check(codes == [KafkaError.TOPIC_AUTHORIZATION_FAILED], "a DENY of WRITE beats the ALLOW: %s" % codes)
    err, size = fetch_raw(b, "orders")
    t.check(err == 0 and size > 0, "the DENY of WRITE leaves READ allowed: error %d, %d bytes" % (err, size))
    revoke(t, b, "--deny", "--operation", "write", "--topic", "orders")
    t.check(produce_confluent(b, "orders", 1) == [0], "produce again once the DENY is removed")

    # ---- prefixed pattern ----
    grant(t, b, "--allow", "--principal", ANON, "--operation", "all", "--topic", "pfx-", "--prefixed")
    t.check(produce_confluent(b, "pfx-a", 2) == [0, 0], "ALL on the prefix pfx- allows pfx-a")
    codes = produce_confluent(b, "other", 1)
    t.check(codes == [KafkaError.TOPIC_AUTHORIZATION_FAILED], "the prefix does not allow other: %s" % codes)

    # ---- the ACL APIs over the wire ----
    from kafka.admin import (ACL, ACLFilter, ACLOperation, ACLPermissionType, ACLResourcePatternType,
                             KafkaAdminClient, ResourcePattern, ResourcePatternFilter, ResourceType)
    grant(t, b, "--allow", "--principal", ANON, "--operation", "alter", "--cluster")
    grant(t, b, "--allow", "--principal", ANON, "--operation", "describe", "--cluster")
    err, cops = describe_cluster_raw(b)
    t.check(err == 0 and cops == bits("alter", "describe"),
            "DescribeCluster cluster_authorized_operations with ALTER and DESCRIBE: %d 0x%x" % (err, cops))
    err, cops = describe_cluster_raw(b, include=False)
    t.check(err == 0 and cops == INT32_MIN, "DescribeCluster not asking: INT32_MIN (%d %d)" % (err, cops))
    cops, _ = metadata_v8(b, ["orders"])
    t.check(cops == bits("alter", "describe"), "Metadata v8 cluster_authorized_operations: 0x%x" % cops)
    ka = KafkaAdminClient(bootstrap_servers=b.addr, request_timeout_ms=10000, api_version=(2, 5))
    acl = ACL(principal="User:bob", host="*", operation=ACLOperation.WRITE, permission_type=ACLPermissionType.ALLOW,
              resource_pattern=ResourcePattern(ResourceType.TOPIC, "bobs", ACLResourcePatternType.LITERAL))
    res = ka.create_acls([acl])
    t.check(len(res["succeeded"]) == 1 and not res["failed"], "kafka-python create_acls: %s" % res)
    flt = ACLFilter(principal="User:bob", host=None, operation=ACLOperation.ANY,
                    permission_type=ACLPermissionType.ANY,
                    resource_pattern=ResourcePatternFilter(ResourceType.TOPIC, "bobs", ACLResourcePatternType.MATCH))
    found, err = ka.describe_acls(flt)
    t.check(len(found) == 1 and found[0].principal == "User:bob" and found[0].operation == ACLOperation.WRITE,
            "kafka-python describe_acls (MATCH): %s %s" % (found, err))
    rc, out, _ = ctl(b, "acls", "list", "--principal", "User:bob")
    t.check(rc == 0 and "bobs" in out and "write" in out, "kafscalectl lists bob's ACL:\n%s" % out)
    errs = create_acls_raw(b, [acl_creation(1, "x", 3, ANON, "*", 3, 3),
                               acl_creation(2, "x", 2, ANON, "*", 3, 3),
                               acl_creation(2, "x", 3, "", "*", 3, 3),
                               acl_creation(4, "not-the-cluster", 3, ANON, "*", 7, 3),
                               acl_creation(2, "y", 3, "User:carol", "*", 1, 3),
                               acl_creation(3, "carols", 4, "User:carol", "10.0.0.1", 3, 2)])
    t.check([e for e, _ in errs] == [INVALID_REQUEST] * 5 + [0],
            "CreateAcls: ANY type, MATCH pattern, empty principal, wrong cluster name, ANY operation "
            "-> INVALID_REQUEST, a good one -> 0: %s" % errs)
    err, _, acls = describe_acls_raw(b, rt=3, pt=2, name="carols-group")
    t.check(err == 0 and acls == [(3, "carols", 4, "User:carol", "10.0.0.1", 3, 2)],
            "DescribeAcls MATCH finds the prefixed binding: %s" % acls)
    err, msg, _ = describe_acls_raw(b, rt=0)
    t.check(err == INVALID_REQUEST, "DescribeAcls with an UNKNOWN type: INVALID_REQUEST (%s)" % msg)
    res = ka.delete_acls([flt])
    deleted = res[0][1] if res else []
    t.check(len(deleted) == 1 and deleted[0][0].principal == "User:bob", "kafka-python delete_acls: %s" % res)
    found, _ = ka.describe_acls(flt)
    t.check(found == [], "bob's ACL is gone: %s" % found)
    ka.close()

    # ---- restart: the ACLs are in the metadata store ----
    b.stop()
    b.start()
    rc, out, _ = ctl(b, "-j", "acls", "list")
    doc = json.loads(out) if rc == 0 else {}
    t.check(len(doc.get("acls", [])) == 8, "8 bindings after a restart: %s" % out)
    t.check(produce_confluent(b, "orders", 1) == [0], "WRITE on orders still allowed after the restart")
    t.check(produce_confluent(b, "other", 1) == [KafkaError.TOPIC_AUTHORIZATION_FAILED],
            "other still denied after the restart")
    b.stop()

    # ---- super users may do everything, a DENY notwithstanding ----
    b.opts["super.users"] = "User:admin; User:ANONYMOUS"
    b.start()
    grant(t, b, "--deny", "--principal", ANON, "--operation", "all", "--topic", "other")
    t.check(produce_confluent(b, "other", 1) == [0], "a super user writes where a DENY applies")
    cops, md = metadata_v8(b, ["other", "fresh"], auto=True)
    t.check(cops == bits(*CLUSTER_OPS) and md == {"other": (0, bits(*TOPIC_OPS)), "fresh": (0, bits(*TOPIC_OPS))},
            "a super user: every operation of topics (one auto-created by the coordinator) and the cluster: "
            "0x%x %s" % (cops, md))
    t.check(describe_cluster_raw(b) == (0, bits(*CLUSTER_OPS)), "a super user: DescribeCluster with every operation")
    dg = describe_groups_raw(b, ["g1", "g2"])
    t.check(dg == {"g1": (0, "Empty", bits(*GROUP_OPS)), "g2": (0, "Dead", bits(*GROUP_OPS))}
            and bits(*GROUP_OPS) == 0x148,
            "a super user: DescribeGroups with READ, DESCRIBE and DELETE (0x148): %s" % dg)
    admin = AdminClient({"bootstrap.servers": b.addr})
    fs = admin.delete_topics(["other"], operation_timeout=10)
    fs["other"].result(15)
    t.check(True, "a super user deletes a topic")
    b.stop()

    # ---- authorizer = none: nothing enforced, the ACL APIs disabled ----
    nb = kslib.Broker(t, "b2", {"num.partitions": "1"})
    err, msg, _ = describe_acls_raw(nb)
    t.check(err == SECURITY_DISABLED, "DescribeAcls with authorizer = none: SECURITY_DISABLED (%s)" % msg)
    t.check(create_acls_raw(nb, [acl_creation(2, "x", 3, ANON, "*", 3, 3)])[0][0] == SECURITY_DISABLED,
            "CreateAcls with authorizer = none: SECURITY_DISABLED")
    t.check(produce_confluent(nb, "free", 1) == [0], "authorizer = none: anyone produces")
    cops, md = metadata_v8(nb, ["free"])
    t.check(cops == bits(*CLUSTER_OPS) and md == {"free": (0, bits(*TOPIC_OPS))},
            "authorizer = none: authorized operations are every operation: 0x%x %s" % (cops, md))
    t.check(describe_cluster_raw(nb) == (0, bits(*CLUSTER_OPS)), "authorizer = none: DescribeCluster, every operation")
    dg = describe_groups_raw(nb, ["anyg"])
    t.check(dg == {"anyg": (0, "Dead", bits(*GROUP_OPS))}, "authorizer = none: DescribeGroups, every operation: %s" % dg)
    dg = describe_groups_raw(nb, ["anyg"], include=False)
    t.check(dg == {"anyg": (0, "Dead", INT32_MIN)}, "authorizer = none: DescribeGroups not asking: %s" % dg)
    nb.stop()

    # ---- two brokers on one etcd: a binding made on one holds on the other ----
    import shutil
    if shutil.which("etcd") is None:
        kslib.log("etcd not installed: the two-broker part is skipped")
        return
    etcd = kslib.Etcd(t)
    eo = {"authorizer": "acl", "metadata.store": "etcd", "etcd.endpoints": etcd.endpoint, "workers": "1"}
    c1 = kslib.Broker(t, "c1", dict(eo, **{"broker.id": "1"}))
    c2 = kslib.Broker(t, "c2", dict(eo, **{"broker.id": "2"}))
    t.check(describe_acls_raw(c2)[0] == CLUSTER_AUTHZ, "broker 2: DescribeAcls denied before the grant")
    grant(t, c1, "--allow", "--principal", ANON, "--operation", "describe", "--cluster")
    t.check(kslib.wait_until(lambda: describe_acls_raw(c2)[0] == 0, 5),
            "a grant made through broker 1 allows DescribeAcls on broker 2")
    rc, out, _ = ctl(c2, "acls", "list")
    t.check(rc == 0 and "describe" in out, "broker 2 lists the binding:\n%s" % out)
    revoke(t, c2, "--operation", "describe", "--cluster")
    t.check(kslib.wait_until(lambda: describe_acls_raw(c1)[0] == CLUSTER_AUTHZ, 5),
            "its removal through broker 2 holds on broker 1")
    c2.stop()
    c1.stop()
    etcd.stop()


if __name__ == "__main__":
    t = kslib.Test("acl", timeout=170)
    t.run(main)

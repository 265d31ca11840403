#!/usr/bin/python3
"""Topic and broker configs: DescribeConfigs, AlterConfigs and
IncrementalAlterConfigs through confluent-kafka's AdminClient, kafka-python's
KafkaAdminClient and raw requests.  Configs set at creation are described as
DYNAMIC_TOPIC_CONFIG, broker-file defaults as STATIC_BROKER_CONFIG; an
altered retention.ms is described and survives a restart; compact and
unknown names are refused with INVALID_CONFIG; validate_only changes
nothing; message.timestamp.type=LogAppendTime takes effect for new
produces; BROKER resources are described (secrets hidden) and refuse
alteration."""
import gc
import os
import sys
import time

sys.dont_write_bytecode = True   # no __pycache__ in the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import kslib  # noqa: E402
from kslib import i8, i16, i32, boolean, string, uvarint, compact_string  # noqa: E402

from kafka.admin import KafkaAdminClient, NewTopic as KNewTopic  # noqa: E402
from kafka.admin import ConfigResource as KConfigResource, ConfigResourceType as KType  # noqa: E402
from confluent_kafka import KafkaError, KafkaException, Producer, Consumer, TopicPartition  # noqa: E402
from confluent_kafka import TIMESTAMP_CREATE_TIME, TIMESTAMP_LOG_APPEND_TIME, OFFSET_BEGINNING  # noqa: E402
from confluent_kafka.admin import AdminClient, NewTopic as CNewTopic, ConfigResource as CConfigResource  # noqa: E402

T = 15  # seconds for any one admin call
DYNAMIC_TOPIC, STATIC_BROKER, DEFAULT = 1, 4, 5
INVALID_CONFIG, INVALID_REQUEST, UNKNOWN_TOPIC = 40, 42, 3
BROKER_DEFAULT_RETENTION = "86400000"   # default.retention.ms given to the broker


def kp_admin(b):
    return KafkaAdminClient(bootstrap_servers=b.addr, client_id="ks-e2e-kp",
                            request_timeout_ms=T * 1000, api_version_auto_timeout_ms=5000)


def cf_admin(b):
    return AdminClient({"bootstrap.servers": b.addr, "client.id": "ks-e2e-cf",
                        "socket.timeout.ms": T * 1000})


def src(e):
    return int(getattr(e.source, "value", e.source))


def cf_describe(cf, restype, name):
    """{name: ConfigEntry}, or the KafkaError code the describe fails with."""
    r = CConfigResource(restype, name)
    fut = cf.describe_configs([r], request_timeout=T)[r]
    try:
        return fut.result(timeout=T)
    except KafkaException as e:
        return e.args[0].code()


def cf_alter(cf, name, configs, validate_only=False, restype="topic"):
    """None on success, else (KafkaError code, message)."""
    r = CConfigResource(restype, name, set_config=configs)
    fut = cf.alter_configs([r], request_timeout=T, validate_only=validate_only)[r]
    try:
        fut.result(timeout=T)
        return None
    except KafkaException as e:
        return (e.args[0].code(), e.args[0].str())


def kp_describe(kp, name, keys=None):
    """(error_code, {name: (value, read_only, source, sensitive, synonyms)})."""
    resp = kp.describe_configs([KConfigResource(KType.TOPIC, name, configs=keys)], include_synonyms=True)
    res = resp[0].resources[0]
    return res[0], {c[0]: tuple(c[1:]) for c in res[4]}


def kp_alter(kp, name, configs):
    resp = kp.alter_configs([KConfigResource(KType.TOPIC, name, configs=configs)])
    r = resp.resources[0]
    return r[0], r[1]


# ---- raw requests ----------------------------------------------------------

def incremental_alter(port, resources, version=0, validate_only=False):
    """resources: [(type, name, [(config, op, value)])] -> [(error, message, type, name)]."""
    flex = version >= 1
    if flex:
        def arr(items, enc):
            return uvarint(len(items) + 1) + b"".join(enc(x) for x in items)
        s = compact_string
        tag = uvarint(0)
    else:
        arr, s, tag = kslib.array, string, b""

    def enc_cfg(c):
        return s(c[0]) + i8(c[1]) + s(c[2]) + tag

    def enc_res(r):
        return i8(r[0]) + s(r[1]) + arr(r[2], enc_cfg) + tag
    body = arr(resources, enc_res) + boolean(validate_only) + tag
    c = kslib.Conn(port)
    try:
        c.send(kslib.request(44, version, body, corr=44, header_version=2 if flex else 1))
        r = kslib.Reader(c.recv_frame())
    finally:
        c.close()
    assert r.i32() == 44
    if flex:
        r.tagged()
    r.i32()   # throttle
    out = []
    n = r.uvarint() - 1 if flex else r.i32()
    for _ in range(n):
        ec = r.i16()
        msg = r.compact_string() if flex else r.string()
        rt = r.i8()
        rn = r.compact_string() if flex else r.string()
        if flex:
            r.tagged()
        out.append((ec, msg, rt, rn))
    return out


def describe_v4(port, rtype, name, keys, docs=True, synonyms=True):
    """Raw DescribeConfigs v4 (flexible): (error, message, {name: (value, read_only, source,
    sensitive, [synonyms], type, doc)})."""
    if keys is None:
        k = uvarint(0)
    else:
        k = uvarint(len(keys) + 1) + b"".join(compact_string(x) for x in keys)
    body = (uvarint(2) + i8(rtype) + compact_string(name) + k + uvarint(0) +
            boolean(synonyms) + boolean(docs) + uvarint(0))
    c = kslib.Conn(port)
    try:
        c.send(kslib.request(32, 4, body, corr=32, header_version=2))
        r = kslib.Reader(c.recv_frame())
    finally:
        c.close()
    assert r.i32() == 32
    r.tagged()
    r.i32()
    assert r.uvarint() == 2
    ec = r.i16()
    msg = r.compact_string()
    r.i8()
    r.compact_string()
    cfgs = {}
    for _ in range(r.uvarint() - 1):
        cn = r.compact_string()
        cv = r.compact_string()
        ro = r.i8()
        cs = r.i8()
        sens = r.i8()
        syns = []
        for _ in range(r.uvarint() - 1):
            syns.append((r.compact_string(), r.compact_string(), r.i8()))
            r.tagged()
        ct = r.i8()
        doc = r.compact_string()
        r.tagged()
        cfgs[cn] = (cv, ro, cs, sens, syns, ct, doc)
    r.tagged()
    r.tagged()
    return ec, msg, cfgs


def describe_v0(port, name):
    """Raw DescribeConfigs v0 of a topic: {name: (value, read_only, is_default, sensitive)}."""
    body = kslib.array([None], lambda _: i8(2) + string(name) + i32(-1))
    c = kslib.Conn(port)
    try:
        c.send(kslib.request(32, 0, body, corr=30))
        r = kslib.Reader(c.recv_frame())
    finally:
        c.close()
    assert r.i32() == 30
    r.i32()
    assert r.i32() == 1
    ec = r.i16()
    r.string()
    r.i8()
    r.string()
    cfgs = {}
    for _ in range(r.i32()):
        cn = r.string()
        cfgs[cn] = (r.string(), r.i8(), r.i8(), r.i8())
    return ec, cfgs


# ---- produce / consume -------------------------------------------------------

def produce_one(b, topic, value, ts):
    p = Producer({"bootstrap.servers": b.addr, "acks": "all", "linger.ms": 0})
    errs = []
    p.produce(topic, value=value, timestamp=ts, on_delivery=lambda e, m: errs.append(e))
    p.flush(T)
    return errs == [None]


def consume_all(b, topic, want, timeout=10):
    c = Consumer({"bootstrap.servers": b.addr, "group.id": "ks-e2e-configs", "enable.auto.commit": False,
                  "auto.offset.reset": "earliest"})
    c.assign([TopicPartition(topic, 0, OFFSET_BEGINNING)])
    got = []
    end = time.monotonic() + timeout
    while len(got) < want and time.monotonic() < end:
        m = c.poll(0.5)
        if m is None or m.error():
            continue
        got.append((m.value(), m.timestamp()))
    c.close()
    return got


def main(t):
    b = kslib.Broker(t, "configs", {"auto.create.topics.enable": "false",
                                    "default.retention.ms": BROKER_DEFAULT_RETENTION,
                                    "s3.access.key": "AKIDSECRETVALUE", "s3.secret.key": "verysecretvalue"})
    kp = kp_admin(b)
    cf = cf_admin(b)

    kp.create_topics([KNewTopic("cfg-a", 1, 1, topic_configs={"retention.ms": "3600000"})], timeout_ms=T * 1000)
    fs = cf.create_topics([CNewTopic("cfg-b", 1, 1)], request_timeout=T)
    fs["cfg-b"].result(timeout=T)

    # --- describe: confluent-kafka --------------------------------------------
    d = cf_describe(cf, "topic", "cfg-a")
    t.check(isinstance(d, dict), "confluent-kafka describe_configs cfg-a: %s" % (d,))
    if not isinstance(d, dict):
        return
    want = {"cleanup.policy", "retention.ms", "retention.bytes", "segment.bytes", "max.message.bytes",
            "message.timestamp.type", "min.insync.replicas", "compression.type",
            "unclean.leader.election.enable"}
    t.check(want <= set(d), "describe lists the common topic configs: %s" % sorted(d))
    e = d.get("retention.ms")
    t.check(e is not None and e.value == "3600000" and src(e) == DYNAMIC_TOPIC and not e.is_read_only,
            "retention.ms set at creation -> 3600000, DYNAMIC_TOPIC_CONFIG: %r src %s" % (e, e and src(e)))
    e = d.get("cleanup.policy")
    t.check(e is not None and e.value == "delete" and src(e) == DEFAULT, "cleanup.policy=delete, DEFAULT_CONFIG")
    e = d.get("segment.bytes")
    t.check(e is not None and e.value == str(64 << 20) and src(e) == DEFAULT, "segment.bytes default 64 MiB: %r" % e)
    for k, v in (("min.insync.replicas", "1"), ("compression.type", "producer"),
                 ("unclean.leader.election.enable", "false")):
        e = d.get(k)
        t.check(e is not None and e.value == v and e.is_read_only, "%s=%s read-only" % (k, v))
    t.check(all(not e.is_sensitive for e in d.values()), "no topic config is sensitive")
    d = cf_describe(cf, "topic", "cfg-b")
    e = d.get("retention.ms") if isinstance(d, dict) else None
    t.check(e is not None and e.value == BROKER_DEFAULT_RETENTION and src(e) == STATIC_BROKER,
            "cfg-b retention.ms from default.retention.ms -> STATIC_BROKER_CONFIG: %r" % e)
    t.check(cf_describe(cf, "topic", "no-such-topic") == KafkaError.UNKNOWN_TOPIC_OR_PART,
            "describe of an unknown topic -> UNKNOWN_TOPIC_OR_PART")

    # --- describe: kafka-python (v2, synonyms, filter) ---------------------------
    ec, kd = kp_describe(kp, "cfg-a")
    t.check(ec == 0 and kd.get("retention.ms", (None,))[0] == "3600000" and kd["retention.ms"][2] == DYNAMIC_TOPIC,
            "kafka-python describe_configs retention.ms: %s" % (kd.get("retention.ms"),))
    syn = [(s[0], s[1], s[2]) for s in kd.get("retention.ms", (0, 0, 0, 0, []))[4]]
    t.check(syn[:2] == [("retention.ms", "3600000", DYNAMIC_TOPIC),
                        ("default.retention.ms", BROKER_DEFAULT_RETENTION, STATIC_BROKER)]
            and syn[-1][0] == "default.retention.ms" and syn[-1][2] == DEFAULT,
            "synonyms: topic value, then the broker's: %s" % syn)
    ec, kd = kp_describe(kp, "cfg-a", {"retention.ms": None, "no.such": None})
    t.check(ec == 0 and set(kd) == {"retention.ms"}, "configuration_keys filter: %s" % sorted(kd))

    # --- raw DescribeConfigs v0 and v4 -----------------------------------------
    ec, d0 = describe_v0(b.port, "cfg-a")
    t.check(ec == 0 and d0.get("retention.ms") == ("3600000", 0, 0, 0) and d0.get("segment.bytes", (0, 0, 0))[2] == 1,
            "v0: is_default false for retention.ms, true for segment.bytes: %s" % d0)
    ec, msg, d4 = describe_v4(b.port, 2, "cfg-a", ["retention.ms", "min.insync.replicas"])
    t.check(ec == 0 and set(d4) == {"retention.ms", "min.insync.replicas"}
            and d4["retention.ms"][5] == 5 and d4["min.insync.replicas"][5] == 3
            and bool(d4["retention.ms"][6]) and d4["min.insync.replicas"][1] == 1,
            "v4 (flexible): filter, config types LONG/INT, documentation: %s" % d4)

    # --- broker resources --------------------------------------------------------
    bd = cf_describe(cf, "broker", "0")
    t.check(isinstance(bd, dict) and bd.get("broker.id") and bd["broker.id"].value == "0"
            and bd["default.retention.ms"].value == BROKER_DEFAULT_RETENTION
            and src(bd["default.retention.ms"]) == STATIC_BROKER
            and src(bd["num.partitions"]) == DEFAULT and bd["ring.bytes"].value == str(256 << 20),
            "describe BROKER 0: broker.id, default.retention.ms (static), ring.bytes in bytes")
    if isinstance(bd, dict):
        sec = bd.get("s3.secret.key")
        t.check(sec is not None and sec.is_sensitive and sec.value is None
                and bd["s3.access.key"].value is None,
                "secrets are sensitive with no value: %r" % sec)
        t.check("verysecretvalue" not in repr([(e.name, e.value) for e in bd.values()]),
                "the secret value appears nowhere")
    ec, msg, _ = describe_v4(b.port, 4, "7", None)
    t.check(ec == INVALID_REQUEST and "Unexpected broker id" in (msg or ""),
            "describe BROKER 7 -> INVALID_REQUEST: %s" % msg)
    ec, msg, dd = describe_v4(b.port, 4, "", None)
    t.check(ec == 0 and dd == {}, "describe the cluster default resource -> no dynamic defaults")
    ec, msg, _ = describe_v4(b.port, 8, "0", None)
    t.check(ec == INVALID_REQUEST, "describe BROKER_LOGGER -> INVALID_REQUEST: %s" % msg)
    r = cf_alter(cf, "0", {"num.partitions": "5"}, restype="broker")
    t.check(r is not None and r[0] == KafkaError.INVALID_REQUEST, "altering BROKER 0 -> INVALID_REQUEST: %s" % (r,))

    # --- AlterConfigs: confluent-kafka (legacy, replaces the set) -------------------
    r = cf_alter(cf, "cfg-a", {"retention.ms": "7200000", "retention.bytes": "1048576"})
    t.check(r is None, "confluent-kafka alter_configs retention.ms=7200000: %s" % (r,))
    d = cf_describe(cf, "topic", "cfg-a")
    t.check(d["retention.ms"].value == "7200000" and src(d["retention.ms"]) == DYNAMIC_TOPIC
            and d["retention.bytes"].value == "1048576",
            "described after the alter: retention.ms=%s" % d["retention.ms"].value)
    r = cf_alter(cf, "cfg-a", {"retention.ms": "7200000"})
    d = cf_describe(cf, "topic", "cfg-a")
    t.check(r is None and d["retention.bytes"].value == "-1" and src(d["retention.bytes"]) == DEFAULT,
            "AlterConfigs replaces the whole set: retention.bytes back to default (%s)" % d["retention.bytes"].value)
    r = cf_alter(cf, "cfg-a", {"cleanup.policy": "compact"})
    t.check(r is not None and r[0] == KafkaError.INVALID_CONFIG and "KafScale does not compact topics" in r[1],
            "cleanup.policy=compact -> INVALID_CONFIG: %s" % (r,))
    r = cf_alter(cf, "cfg-a", {"no.such.config": "1"})
    t.check(r is not None and r[0] == KafkaError.INVALID_CONFIG, "unknown config name -> INVALID_CONFIG: %s" % (r,))
    r = cf_alter(cf, "cfg-a", {"retention.ms": "banana"})
    t.check(r is not None and r[0] == KafkaError.INVALID_CONFIG, "bad value -> INVALID_CONFIG: %s" % (r,))
    r = cf_alter(cf, "cfg-a", {"retention.ms": "1000"}, validate_only=True)
    d = cf_describe(cf, "topic", "cfg-a")
    t.check(r is None and d["retention.ms"].value == "7200000", "validate_only changes nothing")
    r = cf_alter(cf, "no-such-topic", {"retention.ms": "1000"})
    t.check(r is not None and r[0] == KafkaError.UNKNOWN_TOPIC_OR_PART, "alter unknown topic -> UNKNOWN_TOPIC_OR_PART")
    d = cf_describe(cf, "topic", "cfg-a")
    t.check(d["retention.ms"].value == "7200000" and d["cleanup.policy"].value == "delete",
            "refused alters changed nothing")

    # --- AlterConfigs: kafka-python; LogAppendTime for new produces ------------------
    t.check(produce_one(b, "cfg-b", b"before", 1000), "produced to cfg-b with timestamp 1000")
    ec, msg = kp_alter(kp, "cfg-b", {"message.timestamp.type": "LogAppendTime"})
    t.check(ec == 0, "kafka-python alter_configs message.timestamp.type=LogAppendTime: %s %s" % (ec, msg))
    ec, msg = kp_alter(kp, "cfg-b", {"cleanup.policy": "compact"})
    t.check(ec == INVALID_CONFIG and "KafScale does not compact topics" in (msg or ""),
            "kafka-python: compact -> INVALID_CONFIG: %s" % msg)
    ec, msg = kp_alter(kp, "cfg-b", {"unknown.thing": "x"})
    t.check(ec == INVALID_CONFIG, "kafka-python: unknown name -> INVALID_CONFIG: %s" % msg)
    ec, kd = kp_describe(kp, "cfg-b")
    t.check(kd.get("message.timestamp.type", (None,))[0] == "LogAppendTime",
            "kafka-python describes LogAppendTime after failed alters kept it")
    before = int(time.time() * 1000)
    t.check(produce_one(b, "cfg-b", b"after", 1000), "produced to cfg-b with timestamp 1000 again")
    got = consume_all(b, "cfg-b", 2)
    t.check(len(got) == 2 and got[0] == (b"before", (TIMESTAMP_CREATE_TIME, 1000)),
            "the first message keeps its CreateTime 1000: %s" % got[:1])
    t.check(len(got) == 2 and got[1][0] == b"after" and got[1][1][0] == TIMESTAMP_LOG_APPEND_TIME
            and got[1][1][1] >= before - 1000,
            "the new message has LOG_APPEND_TIME set by the broker: %s" % got[1:])

    # --- survives a restart ---------------------------------------------------------
    kp.close()
    del cf
    gc.collect()                 # the old AdminClient goes before the broker does
    b.stop()
    b.start()
    kp = kp_admin(b)
    cf = cf_admin(b)
    d = cf_describe(cf, "topic", "cfg-a")
    t.check(isinstance(d, dict) and d["retention.ms"].value == "7200000" and src(d["retention.ms"]) == DYNAMIC_TOPIC,
            "after restart retention.ms is still 7200000")
    d = cf_describe(cf, "topic", "cfg-b")
    t.check(isinstance(d, dict) and d["message.timestamp.type"].value == "LogAppendTime",
            "after restart cfg-b is still LogAppendTime")

    # --- IncrementalAlterConfigs (raw, v0 and v1) ---------------------------------------
    res = incremental_alter(b.port, [(2, "cfg-a", [("retention.ms", 0, "123456")])], version=0)
    d = cf_describe(cf, "topic", "cfg-a")
    t.check(res[0][0] == 0 and d["retention.ms"].value == "123456", "incremental v0 SET retention.ms=123456: %s" % res)
    res = incremental_alter(b.port, [(2, "cfg-a", [("retention.ms", 1, None)])], version=1)
    d = cf_describe(cf, "topic", "cfg-a")
    t.check(res[0][0] == 0 and d["retention.ms"].value == BROKER_DEFAULT_RETENTION
            and src(d["retention.ms"]) == STATIC_BROKER,
            "incremental v1 DELETE retention.ms -> back to the broker default: %s" % (res,))
    res = incremental_alter(b.port, [(2, "cfg-a", [("retention.ms", 2, "5")])], version=1)
    t.check(res[0][0] == INVALID_CONFIG and "append" in (res[0][1] or ""),
            "APPEND to a non-list config -> INVALID_CONFIG: %s" % (res,))
    res = incremental_alter(b.port, [(2, "cfg-a", [("cleanup.policy", 2, "compact")])], version=1)
    t.check(res[0][0] == INVALID_CONFIG and "KafScale does not compact topics" in (res[0][1] or ""),
            "APPEND compact to cleanup.policy -> INVALID_CONFIG: %s" % (res,))
    res = incremental_alter(b.port, [(2, "cfg-a", [("cleanup.policy", 2, "delete")])], version=1)
    t.check(res[0][0] == 0, "APPEND delete to cleanup.policy (already there) -> ok: %s" % (res,))
    res = incremental_alter(b.port, [(2, "cfg-a", [("max.message.bytes", 0, "500000")]),
                                     (2, "cfg-b", [("retention.ms", 0, "60000")])],
                            version=0, validate_only=True)
    d = cf_describe(cf, "topic", "cfg-a")
    t.check([r[0] for r in res] == [0, 0] and src(d["max.message.bytes"]) != DYNAMIC_TOPIC,
            "incremental validate_only -> no errors, nothing changed: %s" % (res,))
    res = incremental_alter(b.port, [(2, "cfg-a", [("retention.ms", 0, "1"), ("retention.ms", 1, None)]),
                                     (2, "cfg-b", [("segment.bytes", 0, None)]),
                                     (2, "nope", [("retention.ms", 0, "1")]),
                                     (4, "0", [("log.level", 0, "debug")]),
                                     (9, "x", [])], version=0)
    t.check([r[0] for r in res] == [INVALID_REQUEST, INVALID_REQUEST, UNKNOWN_TOPIC, INVALID_REQUEST, INVALID_REQUEST],
            "duplicate keys, null SET, unknown topic, broker, bad resource type: %s" % (res,))
    t.check(kslib.broker_serving(b.port), "broker still serving")

    kp.close()
    del cf
    b.stop()


if __name__ == "__main__":
    kslib.Test("configs", timeout=100).run(main)

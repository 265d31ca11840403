#!/usr/bin/python3
"""Topic administration through kafka-python's KafkaAdminClient and
confluent-kafka's AdminClient: create (with partitions and a config), list,
describe, add partitions, delete; the documented Kafka errors; validate_only;
and that topics and the cluster id survive a broker restart."""
import os
import sys
import time

sys.dont_write_bytecode = True   # no __pycache__ in the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import kslib  # noqa: E402

import kafka.errors as KE  # noqa: E402
from kafka.admin import KafkaAdminClient, NewTopic as KNewTopic, NewPartitions as KNewPartitions  # noqa: E402
from confluent_kafka import KafkaError, KafkaException  # noqa: E402
from confluent_kafka.admin import AdminClient, NewTopic as CNewTopic, NewPartitions as CNewPartitions  # noqa: E402

T = 15  # seconds for any one admin call


def kp_admin(b):
    return KafkaAdminClient(bootstrap_servers=b.addr, client_id="ks-e2e-kp",
                            request_timeout_ms=T * 1000, api_version_auto_timeout_ms=5000)


def cf_admin(b):
    return AdminClient({"bootstrap.servers": b.addr, "client.id": "ks-e2e-cf",
                        "socket.timeout.ms": T * 1000})


def cf_topics(a):
    md = a.list_topics(timeout=T)
    return {n: t for n, t in md.topics.items()}, md


def cf_partition_count(a, name):
    topics, _ = cf_topics(a)
    t = topics.get(name)
    if t is None or t.error is not None:
        return None
    return len(t.partitions)


def kp_partition_counts(kp, names):
    res = {}
    for t in kp.describe_topics(names):
        res[t["topic"]] = (t["error_code"], len(t["partitions"]))
    return res


def kp_error(fn):
    """The kafka-python exception class fn raises, or None."""
    try:
        fn()
    except KE.KafkaError as e:
        return type(e)
    return None


def cf_error(fut):
    """The KafkaError code a confluent-kafka future fails with, or None."""
    try:
        fut.result(timeout=T)
    except KafkaException as e:
        return e.args[0].code()
    return None


def main(t):
    b = kslib.Broker(t, "admin", {"auto.create.topics.enable": "false", "num.partitions": "1"})
    kp = kp_admin(b)
    cf = cf_admin(b)

    # --- create with partitions and a config -----------------------------
    kp.create_topics([KNewTopic("kp-orders", num_partitions=4, replication_factor=1,
                                topic_configs={"retention.ms": "3600000"})], timeout_ms=T * 1000)
    fs = cf.create_topics([CNewTopic("cf-events", num_partitions=2, replication_factor=1,
                                     config={"retention.ms": "7200000"})],
                          operation_timeout=10, request_timeout=T)
    t.check(cf_error(fs["cf-events"]) is None, "confluent-kafka create_topics cf-events (2 partitions)")

    # --- list and describe ------------------------------------------------
    names = set(kp.list_topics())
    t.check({"kp-orders", "cf-events"} <= names, "kafka-python list_topics shows both topics: %s" % sorted(names))
    topics, md = cf_topics(cf)
    t.check({"kp-orders", "cf-events"} <= set(topics), "confluent-kafka list_topics shows both topics")
    t.check(cf_partition_count(cf, "kp-orders") == 4, "kp-orders has 4 partitions (confluent-kafka)")
    t.check(cf_partition_count(cf, "cf-events") == 2, "cf-events has 2 partitions (confluent-kafka)")
    d = kp_partition_counts(kp, ["kp-orders", "cf-events"])
    t.check(d == {"kp-orders": (0, 4), "cf-events": (0, 2)},
            "kafka-python describe_topics: %s" % d)
    parts = topics["kp-orders"].partitions
    t.check(sorted(parts) == [0, 1, 2, 3] and all(p.leader == 0 and p.replicas == [0] and p.isrs == [0]
                                                  for p in parts.values()),
            "kp-orders partitions 0..3, leader 0, replicas [0], isr [0]")
    t.check(list(md.brokers) == [0] and md.brokers[0].host == "127.0.0.1" and md.brokers[0].port == b.port,
            "confluent-kafka sees broker 0 at %s" % b.addr)
    cluster_id = md.cluster_id
    t.check(bool(cluster_id), "Metadata carries a cluster id: %r" % cluster_id)
    kdesc = kp.describe_cluster()
    t.check(kdesc.get("cluster_id") == cluster_id and
            [(x["node_id"], x["host"], x["port"]) for x in kdesc["brokers"]] == [(0, "127.0.0.1", b.port)],
            "kafka-python describe_cluster: %s" % kdesc)

    # --- add partitions -----------------------------------------------------
    kp.create_partitions({"kp-orders": KNewPartitions(total_count=6)}, timeout_ms=T * 1000)
    fs = cf.create_partitions([CNewPartitions("cf-events", 5)], operation_timeout=10, request_timeout=T)
    t.check(cf_error(fs["cf-events"]) is None, "confluent-kafka create_partitions cf-events -> 5")
    t.check(kslib.wait_until(lambda: cf_partition_count(cf, "kp-orders") == 6, 5),
            "kp-orders grew to 6 partitions")
    t.check(kslib.wait_until(lambda: cf_partition_count(cf, "cf-events") == 5, 5),
            "cf-events grew to 5 partitions")

    # --- errors (kafka-python raises the error class of the first topic error) ---
    e = kp_error(lambda: kp.create_topics([KNewTopic("kp-orders", 1, 1)], timeout_ms=T * 1000))
    t.check(e is KE.TopicAlreadyExistsError, "create existing (kafka-python) -> TOPIC_ALREADY_EXISTS, got %s" % e)
    e = kp_error(lambda: kp.delete_topics(["no-such-topic"], timeout_ms=T * 1000))
    t.check(e is KE.UnknownTopicOrPartitionError, "delete unknown (kafka-python) -> UNKNOWN_TOPIC_OR_PARTITION, got %s" % e)
    for bad in ["bad/name", "bad name", "..", "x" * 250]:
        e = kp_error(lambda: kp.create_topics([KNewTopic(bad, 1, 1)], timeout_ms=T * 1000))
        t.check(e is KE.InvalidTopicError, "create %r (kafka-python) -> INVALID_TOPIC_EXCEPTION, got %s" % (bad[:20], e))
    e = kp_error(lambda: kp.create_topics([KNewTopic("zero-parts", 0, 1)], timeout_ms=T * 1000))
    t.check(e is KE.InvalidPartitionsError, "create with 0 partitions (kafka-python) -> INVALID_PARTITIONS, got %s" % e)
    e = kp_error(lambda: kp.create_partitions({"kp-orders": KNewPartitions(total_count=3)}, timeout_ms=T * 1000))
    t.check(e is KE.InvalidPartitionsError, "shrink 6 -> 3 partitions (kafka-python) -> INVALID_PARTITIONS, got %s" % e)
    e = kp_error(lambda: kp.create_topics([KNewTopic("bad-config", 1, 1, topic_configs={"no.such.config": "1"})],
                                          timeout_ms=T * 1000))
    t.check(e is KE.InvalidConfigurationError, "create with unknown config key -> INVALID_CONFIG, got %s" % e)

    fs = cf.create_topics([CNewTopic("cf-events", 1, 1)], request_timeout=T)
    c = cf_error(fs["cf-events"])
    t.check(c == KafkaError.TOPIC_ALREADY_EXISTS, "create existing (confluent-kafka) -> TOPIC_ALREADY_EXISTS, got %s" % c)
    fs = cf.delete_topics(["no-such-topic"], request_timeout=T)
    c = cf_error(fs["no-such-topic"])
    t.check(c == KafkaError.UNKNOWN_TOPIC_OR_PART, "delete unknown (confluent-kafka) -> UNKNOWN_TOPIC_OR_PART, got %s" % c)
    fs = cf.create_topics([CNewTopic("bad/name", 1, 1)], request_timeout=T)
    c = cf_error(fs["bad/name"])
    t.check(c == KafkaError.TOPIC_EXCEPTION, "create bad/name (confluent-kafka) -> INVALID_TOPIC_EXCEPTION, got %s" % c)
    fs = cf.create_partitions([CNewPartitions("no-such-topic", 3)], request_timeout=T)
    c = cf_error(fs["no-such-topic"])
    t.check(c == KafkaError.UNKNOWN_TOPIC_OR_PART, "create_partitions on unknown topic -> UNKNOWN_TOPIC_OR_PART, got %s" % c)
    for bad in ("bad/name", "bad name", "..", "x" * 250, "zero-parts", "bad-config"):
        t.check(cf_partition_count(cf, bad) is None, "failed create left no topic %r" % bad[:20])

    # --- validate_only creates nothing --------------------------------------
    r = kp.create_topics([KNewTopic("kp-validate", 3, 1)], timeout_ms=T * 1000, validate_only=True)
    t.check(r.topic_errors[0][1] == 0, "validate_only create (kafka-python) answers no error: %s" % (r.topic_errors,))
    fs = cf.create_topics([CNewTopic("cf-validate", 3, 1)], validate_only=True, request_timeout=T)
    t.check(cf_error(fs["cf-validate"]) is None, "validate_only create (confluent-kafka) answers no error")
    e = kp_error(lambda: kp.create_topics([KNewTopic("kp-orders", 1, 1)], timeout_ms=T * 1000, validate_only=True))
    t.check(e is KE.TopicAlreadyExistsError, "validate_only of an existing topic -> TOPIC_ALREADY_EXISTS, got %s" % e)
    names = set(kp.list_topics())
    t.check("kp-validate" not in names and "cf-validate" not in names, "validate_only created nothing: %s" % sorted(names))

    # --- delete -------------------------------------------------------------------
    kp.create_topics([KNewTopic("kp-doomed", 2, 1)], timeout_ms=T * 1000)
    fs = cf.create_topics([CNewTopic("cf-doomed", 2, 1)], request_timeout=T)
    t.check(cf_error(fs["cf-doomed"]) is None, "created cf-doomed")
    kp.delete_topics(["kp-doomed"], timeout_ms=T * 1000)
    fs = cf.delete_topics(["cf-doomed"], request_timeout=T)
    t.check(cf_error(fs["cf-doomed"]) is None, "confluent-kafka delete_topics cf-doomed")
    gone = kslib.wait_until(lambda: not ({"kp-doomed", "cf-doomed"} & set(cf_topics(cf)[0])), 5)
    t.check(gone, "deleted topics are no longer listed")
    e = kp_error(lambda: kp.delete_topics(["kp-doomed"], timeout_ms=T * 1000))
    t.check(e is KE.UnknownTopicOrPartitionError, "deleting kp-doomed again -> UNKNOWN_TOPIC_OR_PARTITION, got %s" % e)
    d = kp_partition_counts(kp, ["kp-doomed"])
    t.check(d.get("kp-doomed", (None,))[0] == 3, "describe of a deleted topic -> error 3: %s" % d)
    kp.create_topics([KNewTopic("kp-doomed", 1, 1)], timeout_ms=T * 1000)
    t.check(kslib.wait_until(lambda: cf_partition_count(cf, "kp-doomed") == 1, 5),
            "a deleted topic can be created again (with 1 partition)")

    kp.close()
    del cf

    # --- restart on the same data dir -------------------------------------
    b.stop()
    b.start()
    kp = kp_admin(b)
    cf = cf_admin(b)
    want = {"kp-orders": 6, "cf-events": 5, "kp-doomed": 1}
    got = {n: cf_partition_count(cf, n) for n in want}
    t.check(got == want, "after restart the topics and partition counts are kept: %s" % got)
    topics, md = cf_topics(cf)
    t.check("cf-doomed" not in topics and "kp-validate" not in topics, "after restart deleted topics stay deleted")
    t.check(md.cluster_id == cluster_id, "cluster id is the same after restart: %r vs %r" % (md.cluster_id, cluster_id))
    t.check(kp.describe_cluster().get("cluster_id") == cluster_id, "kafka-python sees the same cluster id")
    e = kp_error(lambda: kp.create_topics([KNewTopic("kp-orders", 1, 1)], timeout_ms=T * 1000))
    t.check(e is KE.TopicAlreadyExistsError, "after restart, creating kp-orders -> TOPIC_ALREADY_EXISTS")
    kp.close()
    del cf
    b.stop()


if __name__ == "__main__":
    kslib.Test("admin_python").run(main)

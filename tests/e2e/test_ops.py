#!/usr/bin/python3
"""The ops endpoint: /healthz, /readyz, /metrics (Prometheus text format,
counters that match the traffic) and the JSON admin API, after producing N
messages with confluent-kafka to a 3-partition topic and consuming them in
a group that commits."""
import json
import os
import re
import sys
import time
import urllib.error
import urllib.request

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import kslib  # noqa: E402

from confluent_kafka import Consumer, Producer  # noqa: E402
from confluent_kafka.admin import AdminClient, NewTopic  # noqa: E402

N = 3000
SIZE = 200
TOPIC = "opstopic"
GROUP = "opsgroup"

SAMPLE = re.compile(r'^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(.*)\})? (\S+)( -?\d+)?$')
LABEL = re.compile(r'\s*([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"\s*(,|$)')


def parse_prometheus(text):
    """A strict little parser of the text format: every line is a comment
    (# HELP / # TYPE name type) or `name{labels} value`.  Returns
    ({(name, frozenset(labels)): value}, {family: type}); raises ValueError."""
    samples, types = {}, {}
    for n, line in enumerate(text.split("\n"), 1):
        if line == "":
            continue
        if line.startswith("#"):
            parts = line.split(None, 3)
            if len(parts) >= 3 and parts[1] == "TYPE":
                if parts[3] not in ("counter", "gauge", "histogram", "summary", "untyped"):
                    raise ValueError("line %d: bad type %r" % (n, parts[3]))
                if parts[2] in types:
                    raise ValueError("line %d: family %s declared twice" % (n, parts[2]))
                types[parts[2]] = parts[3]
            continue
        m = SAMPLE.match(line)
        if not m:
            raise ValueError("line %d: not a sample: %r" % (n, line))
        name, labels, value = m.group(1), m.group(3) or "", m.group(4)
        lab = {}
        pos = 0
        while pos < len(labels):
            lm = LABEL.match(labels, pos)
            if not lm:
                raise ValueError("line %d: bad labels %r" % (n, labels))
            lab[lm.group(1)] = lm.group(2)
            pos = lm.end()
        v = float(value)  # +Inf, NaN allowed by float()
        key = (name, frozenset(lab.items()))
        if key in samples:
            raise ValueError("line %d: duplicate sample %s%s" % (n, name, lab))
        samples[key] = v
        base = re.sub(r'_(bucket|sum|count)$', '', name)
        if name not in types and base not in types:
            raise ValueError("line %d: %s has no # TYPE" % (n, name))
    return samples, types


def get(port, path):
    try:
        with urllib.request.urlopen("http://127.0.0.1:%d%s" % (port, path), timeout=10) as r:
            return r.status, r.read().decode(), r.headers.get("Content-Type", "")
    except urllib.error.HTTPError as e:
        return e.code, e.read().decode(), e.headers.get("Content-Type", "")


def value(samples, name, **labels):
    return samples.get((name, frozenset(labels.items())))


def total(samples, name, **labels):
    """Sum over every sample of name whose labels include `labels`."""
    want = set(labels.items())
    return sum(v for (n, lab), v in samples.items() if n == name and want <= set(lab))


def main(t):
    with kslib.Broker(t, "b1", {"flush.interval.ms": "20"}) as b:
        ops = b.ops_port
        st, body, _ = get(ops, "/healthz")
        t.check(st == 200, "/healthz answers 200 (%d %r)" % (st, body.strip()))
        st, body, _ = get(ops, "/nope")
        t.check(st == 404, "an unknown path answers 404 (%d)" % st)

        admin = AdminClient({"bootstrap.servers": b.addr})
        admin.create_topics([NewTopic(TOPIC, num_partitions=3, replication_factor=1)])[TOPIC].result(10)

        # librdkafka's statistics count the requests the client sent
        stats = {}

        def keep(kind):
            def cb(js):
                stats[kind] = json.loads(js)
            return cb

        def client_reqs(kind, api):
            return sum(br.get("req", {}).get(api, 0) for br in stats.get(kind, {}).get("brokers", {}).values())

        p = Producer({"bootstrap.servers": b.addr, "linger.ms": 5, "acks": "all",
                      "statistics.interval.ms": 100, "stats_cb": keep("p")})
        delivered = []
        for i in range(N):
            p.produce(TOPIC, key=b"k%d" % i, value=(b"%08d" % i) * (SIZE // 8),
                      on_delivery=lambda err, msg: delivered.append(err))
            if i % 500 == 0:
                p.poll(0)
        t.check(p.flush(30) == 0, "producer flushed everything")
        time.sleep(0.3)
        p.poll(0)
        t.check(len(delivered) == N and all(e is None for e in delivered),
                "%d/%d messages acknowledged without error" % (sum(e is None for e in delivered), N))

        c = Consumer({"bootstrap.servers": b.addr, "group.id": GROUP, "auto.offset.reset": "earliest",
                      "enable.auto.commit": False, "statistics.interval.ms": 100, "stats_cb": keep("c")})
        c.subscribe([TOPIC])
        got = 0
        deadline = time.monotonic() + 30
        while got < N and time.monotonic() < deadline:
            m = c.poll(0.5)
            if m is not None and m.error() is None:
                got += 1
        t.check(got == N, "consumed %d/%d messages" % (got, N))
        c.commit(asynchronous=False)
        end = time.monotonic() + 0.3
        while time.monotonic() < end:
            c.poll(0.1)
        c.close()
        sent_produce, sent_fetch = client_reqs("p", "Produce"), client_reqs("c", "Fetch")

        # readiness: the probes run every few seconds
        ok = kslib.wait_until(lambda: get(ops, "/readyz")[0] == 200, 10, 0.2)
        t.check(ok, "/readyz answers 200 (%s)" % (get(ops, "/readyz"),))

        # the group's committed offsets reach the store, then the ops view
        def group_caught_up():
            st, body, _ = get(ops, "/api/v1/groups/" + GROUP)
            if st != 200:
                return None
            g = json.loads(body)
            committed = sum(o["committed"] for o in g["offsets"] if o["topic"] == TOPIC)
            return g if committed == N else None
        g = kslib.wait_until(group_caught_up, 15, 0.3)
        t.check(g is not None, "/api/v1/groups/%s shows committed offsets summing to %d" % (GROUP, N))
        if g:
            t.check(len(g["offsets"]) == 3 and g["lag"] == 0 and all(o["lag"] == 0 for o in g["offsets"]),
                    "group lag is 0 on 3 partitions: %s" % g["offsets"])

        st, text, ctype = get(ops, "/metrics")
        t.check(st == 200 and ctype.startswith("text/plain"), "/metrics answers 200 text/plain (%s)" % ctype)
        try:
            samples, types = parse_prometheus(text)
        except ValueError as e:
            t.fail("/metrics is not valid Prometheus text: %s" % e)
        t.check(len(samples) > 100, "/metrics has %d samples" % len(samples))

        produce = value(samples, "kafscale_requests_total", api="Produce")
        fetch = value(samples, "kafscale_requests_total", api="Fetch")
        # What the broker counted matches what the clients sent (the
        # clients' statistics may miss the last few requests; the counter is
        # of requests answered, and the consumer's last long-polling Fetch
        # may still be waiting when it closes).
        t.check(sent_produce >= 3 and produce is not None and sent_produce <= produce <= sent_produce + 3,
                "Produce requests counted: %s, the producer sent %d" % (produce, sent_produce))
        t.check(sent_fetch >= 1 and fetch is not None and sent_fetch - 1 <= fetch <= 2 * sent_fetch + 5,
                "Fetch requests counted: %s, the consumer sent %d" % (fetch, sent_fetch))
        t.check(value(samples, "kafscale_request_errors_total", api="Produce") == 0,
                "no Produce errors")
        t.check(value(samples, "kafscale_request_duration_seconds_count", api="Produce") == produce,
                "Produce latency histogram counts every request")
        t.check(value(samples, "kafscale_request_duration_seconds_bucket", api="Produce", le="+Inf") == produce,
                "the +Inf bucket equals the count")
        t.check(types.get("kafscale_request_duration_seconds") == "histogram", "latency is a histogram")
        for api in ("Metadata", "ApiVersions", "JoinGroup", "SyncGroup", "OffsetCommit", "CreateTopics"):
            t.check((value(samples, "kafscale_requests_total", api=api) or 0) > 0, "%s requests counted" % api)

        bytes_in = value(samples, "kafscale_topic_bytes_in_total", topic=TOPIC)
        rec_in = value(samples, "kafscale_topic_records_in_total", topic=TOPIC)
        bytes_out = value(samples, "kafscale_topic_bytes_out_total", topic=TOPIC)
        rec_out = value(samples, "kafscale_topic_records_out_total", topic=TOPIC)
        t.check(bytes_in is not None and bytes_in >= N * SIZE, "bytes in %s >= %d" % (bytes_in, N * SIZE))
        t.check(rec_in == N, "records in %s == %d" % (rec_in, N))
        t.check(bytes_out is not None and bytes_out >= N * SIZE, "bytes out %s >= %d" % (bytes_out, N * SIZE))
        t.check(rec_out is not None and rec_out >= N, "records out %s >= %d" % (rec_out, N))
        t.check(total(samples, "kafscale_partition_log_end_offset", topic=TOPIC) == N,
                "partition log end offsets sum to %d" % N)

        t.check(value(samples, "kafscale_ring_size_bytes", ) > 0, "ring size reported")
        t.check(value(samples, "kafscale_ring_durable_bytes_total") >= N * SIZE, "ring durable bytes")
        t.check(value(samples, "kafscale_ring_used_bytes") is not None, "ring used bytes reported")
        t.check(value(samples, "kafscale_ring_durable_lag_bytes") is not None, "ring durable lag reported")
        cycles = value(samples, "kafscale_flush_cycles_total")
        t.check(cycles and cycles >= 1, "flush cycles: %s" % cycles)
        t.check(value(samples, "kafscale_flush_duration_seconds_count") == cycles, "flush latency histogram")
        t.check(value(samples, "kafscale_flush_bytes_total") >= N * SIZE, "flush bytes")
        t.check(value(samples, "kafscale_flush_segments_total") >= 3, "flush segments >= 3")
        t.check(value(samples, "kafscale_flush_records_total") == N, "flush records == N")
        puts = value(samples, "kafscale_objstore_requests_total", process="flusher", op="put")
        t.check(puts and puts >= 6, "flusher object-store PUTs counted: %s" % puts)
        t.check(value(samples, "kafscale_objstore_bytes_total", process="flusher", op="put") >= N * SIZE,
                "object-store bytes written")
        t.check(value(samples, "kafscale_objstore_request_duration_seconds_sum", process="flusher", op="put") > 0,
                "object-store latency")
        t.check(value(samples, "kafscale_objstore_up") == 1 and value(samples, "kafscale_metastore_up") == 1,
                "both stores up")
        t.check(total(samples, "kafscale_metastore_requests_total") > 0 and
                value(samples, "kafscale_metastore_request_duration_seconds_count", op="txn"),
                "metadata-store operations timed")
        t.check(value(samples, "kafscale_connections", worker="1") is not None and
                value(samples, "kafscale_connections", worker="2") is not None, "connections per worker")
        t.check(value(samples, "kafscale_process_restarts_total", process="worker", index="1") == 0,
                "restarts reported")
        t.check(total(samples, "kafscale_consumer_committed_offset", group=GROUP, topic=TOPIC) == N,
                "committed offsets in /metrics sum to N")
        t.check(total(samples, "kafscale_consumer_lag", group=GROUP) == 0, "consumer lag 0 in /metrics")
        t.check(value(samples, "kafscale_ready") == 1, "kafscale_ready 1")

        # JSON admin API
        st, body, ctype = get(ops, "/api/v1/topics")
        topics = json.loads(body)
        mine = [x for x in topics if x["name"] == TOPIC]
        t.check(st == 200 and ctype == "application/json" and len(mine) == 1, "/api/v1/topics lists the topic")
        if mine:
            parts = mine[0]["partitions"]
            t.check(len(parts) == 3 and sorted(x["partition"] for x in parts) == [0, 1, 2], "3 partitions")
            t.check(sum(x["log_end"] for x in parts) == N, "log end offsets sum to %d: %s"
                    % (N, [x["log_end"] for x in parts]))
            t.check(all(x["log_start"] == 0 and x["leader"] == 0 for x in parts), "log start 0, owner broker 0")
        st, body, _ = get(ops, "/api/v1/topics/" + TOPIC)
        t.check(st == 200 and json.loads(body)["messages"] == N, "/api/v1/topics/NAME: %d messages" % N)
        st, _, _ = get(ops, "/api/v1/topics/nosuchtopic")
        t.check(st == 404, "unknown topic: 404")
        st, body, _ = get(ops, "/api/v1/brokers")
        t.check(st == 200 and [(x["node_id"], x["port"]) for x in json.loads(body)] == [(0, b.port)],
                "/api/v1/brokers: broker 0 on port %d" % b.port)
        st, body, _ = get(ops, "/api/v1/status")
        s = json.loads(body)
        kinds = sorted(x["kind"] for x in s["processes"])
        t.check(st == 200 and s["ready"] and kinds == ["coordinator", "flusher", "worker", "worker"],
                "/api/v1/status: ready, processes %s" % kinds)
        t.check(all(x["pid"] > 0 and x["state"] == "running" for x in s["processes"]), "every process running")
        t.check("secret" not in body.lower() and "password" not in body.lower(), "no secrets in status")
        b.stop()


kslib.Test("ops", timeout=110).run(main)

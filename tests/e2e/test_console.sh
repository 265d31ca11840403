#!/bin/sh
# The web console (workers/coordinator/console/) in a real headless
# chromium driven by playwright-core (test_console.js): the pages load with
# no console error and no failed request, and show what kcat produced and
# what a consumer group committed.  Skips (77) without node, chromium
# (KS_CHROMIUM, default /usr/bin/chromium) or node_modules/playwright-core.
KS_TEST_TIMEOUT=${KS_TEST_TIMEOUT:-90}
. "${KS_SRCDIR:-.}/tests/e2e/lib.sh"

KS_CHROMIUM=${KS_CHROMIUM:-/usr/bin/chromium}
command -v node >/dev/null 2>&1 || { ks_log "SKIP: no node"; exit 77; }
[ -x "$KS_CHROMIUM" ] || { ks_log "SKIP: no $KS_CHROMIUM (apt-get install chromium)"; exit 77; }
[ -d "$KS_SRCDIR/tests/e2e/node_modules/playwright-core" ] ||
    { ks_log "SKIP: no tests/e2e/node_modules/playwright-core (npm install in tests/e2e)"; exit 77; }

ks_broker_start b1 -o auto.create.topics.enable=true -o num.partitions=3 \
    -o group.initial.rebalance.delay.ms=100 -o flush.interval.ms=50

# 100 + 60 + 40 = 200 messages on a 3-partition topic
T=console-orders
G=console-billing
for pc in 0:100 1:60 2:40; do
    seq 1 "${pc#*:}" | sed "s/^/m-/" | ks_kcat -P -t $T -p "${pc%%:*}" ||
        ks_fail "produce to partition ${pc%%:*} failed"
done

# A group member that reads the topic, commits 40 / 35 / 30 (lag 60 / 25 /
# 10 = 95) and stays in the group while the browser looks.
$KS_PY - "127.0.0.1:$KS_BROKER_PORT" $T $G "$KS_TMP/consumer.ready" >"$KS_TMP/consumer.log" 2>&1 <<'PY' &
import sys, time
from kafka import KafkaConsumer, TopicPartition
from kafka.structs import OffsetAndMetadata
addr, topic, group, ready = sys.argv[1:5]
c = KafkaConsumer(topic, bootstrap_servers=addr, group_id=group, client_id="console-test",
                  auto_offset_reset="earliest", enable_auto_commit=False,
                  session_timeout_ms=10000, heartbeat_interval_ms=500)
want = {0: 40, 1: 35, 2: 30}
seen = {}
end = time.time() + 25
while time.time() < end and sum(seen.values()) < 200:
    for tp, recs in c.poll(timeout_ms=500).items():
        seen[tp.partition] = seen.get(tp.partition, 0) + len(recs)
print("consumed", sum(seen.values()), flush=True)
c.commit({TopicPartition(topic, p): OffsetAndMetadata(o, "") for p, o in want.items()})
print("committed", flush=True)
open(ready, "w").write("ok\n")
while True:
    c.poll(timeout_ms=500)
PY
CONSUMER_PID=$!
ks_track $CONSUMER_PID
ks_wait_for 30 test -f "$KS_TMP/consumer.ready" || { cat "$KS_TMP/consumer.log" >&2; ks_fail "the consumer did not commit"; }
cat "$KS_TMP/consumer.log"

timeout 45 node "$KS_SRCDIR/tests/e2e/test_console.js" "127.0.0.1:$KS_OPS_PORT" "127.0.0.1:$KS_BROKER_PORT" \
    $T $G "$KS_TMP" "$KS_CHROMIUM" >"$KS_TMP/node.out" 2>&1
rc=$?
cat "$KS_TMP/node.out"
[ $rc = 0 ] || ks_fail "console checks failed (exit $rc)"
kill -TERM $CONSUMER_PID 2>/dev/null
wait $CONSUMER_PID 2>/dev/null
ks_broker_stop
echo PASS

#!/bin/sh
# kafscalectl against a running broker: status, topics list/describe,
# groups, lag, metrics show what kcat produced and consumed; -j gives JSON;
# exit codes: 1 for an unreachable endpoint or an unknown topic (with a
# clear message), 2 for usage errors.  With etcd as the metadata store:
# /readyz and `kafscalectl status` turn not-ready while etcd is down and
# ready again when it is back.
KS_TEST_TIMEOUT=${KS_TEST_TIMEOUT:-120}
. "${KS_SRCDIR:-.}/tests/e2e/lib.sh"

CTL=${KAFSCALECTL:-$KS_BUILDDIR/kafscalectl}
FAILS=""
check() {  # check "what" CMD...: records a failure, keeps going
    _what=$1; shift
    if "$@"; then ks_pass "$_what"; else FAILS="$FAILS
  - $_what"; ks_log "FAIL: $_what"; fi
}
json_get() { $KS_PY -c 'import json, sys
j = json.load(open(sys.argv[2]))
print(eval(sys.argv[1]))' "$1" "$2"; }
ctl() { timeout 20 "$CTL" -s "127.0.0.1:$KS_OPS_PORT" "$@"; }

[ -x "$CTL" ] || ks_fail "no kafscalectl at $CTL"

# --- usage ------------------------------------------------------------------
"$CTL" --help >"$KS_TMP/help" 2>&1
check "--help exits 0 and lists the commands" \
    sh -c '[ $? -eq 0 ] && grep -q "topics describe NAME" "$1"' _ "$KS_TMP/help"
"$CTL" >/dev/null 2>&1; rc=$?
check "no command: exit 2 (got $rc)" [ "$rc" -eq 2 ]
"$CTL" frobnicate >/dev/null 2>"$KS_TMP/bad"; rc=$?
check "unknown command: exit 2 (got $rc)" [ "$rc" -eq 2 ]
check "unknown command: says so" grep -q "unknown command" "$KS_TMP/bad"
"$CTL" --bogus status >/dev/null 2>&1; rc=$?
check "unknown option: exit 2 (got $rc)" [ "$rc" -eq 2 ]

# --- wrong address ----------------------------------------------------------
DEAD=$(ks_free_port)
timeout 20 "$CTL" -s "127.0.0.1:$DEAD" status >"$KS_TMP/dead.out" 2>"$KS_TMP/dead.err"; rc=$?
check "unreachable endpoint: exit 1 (got $rc)" [ "$rc" -eq 1 ]
check "unreachable endpoint: a clear message" \
    grep -q "cannot reach the ops endpoint at 127.0.0.1:$DEAD" "$KS_TMP/dead.err"
check "unreachable endpoint: nothing on stdout" [ ! -s "$KS_TMP/dead.out" ]
KAFSCALE_OPS_ADDR="127.0.0.1:$DEAD" timeout 20 "$CTL" topics list >/dev/null 2>"$KS_TMP/dead2.err"; rc=$?
check "KAFSCALE_OPS_ADDR is used (exit 1, names the address)" \
    sh -c '[ "$1" -eq 1 ] && grep -q "127.0.0.1:$2" "$3"' _ "$rc" "$DEAD" "$KS_TMP/dead2.err"

# --- against a broker -------------------------------------------------------
ks_broker_start b1 -o flush.interval.ms=20 -o num.partitions=2

seq 1 500 | sed 's/^/message-/' | ks_kcat -P -t ctltopic -p 0 || ks_fail "kcat produce to partition 0 failed"
seq 1 250 | sed 's/^/message-/' | ks_kcat -P -t ctltopic -p 1 || ks_fail "kcat produce to partition 1 failed"
n=$(timeout 30 kcat -b "127.0.0.1:$KS_BROKER_PORT" -G ctlgroup ctltopic -o beginning -e -q \
    -X enable.auto.commit=true -X auto.commit.interval.ms=100 2>"$KS_TMP/consume.err" | wc -l)
check "kcat consumed 750 messages in group ctlgroup (got $n)" [ "$n" -eq 750 ]

ctl status >"$KS_TMP/status" 2>&1; rc=$?
check "status: exit 0 (got $rc)" [ "$rc" -eq 0 ]
check "status: version and ready" grep -Eq "^KafScale [0-9.]+ .* ready$" "$KS_TMP/status"
check "status: both stores ok" grep -q "metadata store: embedded (ok)  object store: file (ok)" "$KS_TMP/status"
check "status: process table with 2 running workers" \
    [ "$(grep -Ec '^worker [12] +[0-9]+ +running' "$KS_TMP/status")" -eq 2 ]
check "status: coordinator and flusher running" \
    sh -c 'grep -Eq "^coordinator +[0-9]+ +running" "$1" && grep -Eq "^flusher +[0-9]+ +running" "$1"' _ "$KS_TMP/status"

ctl topics list >"$KS_TMP/topics" 2>&1; rc=$?
check "topics list: exit 0 (got $rc)" [ "$rc" -eq 0 ]
check "topics list: header" grep -Eq "^TOPIC +PARTITIONS +MESSAGES +LOG_END" "$KS_TMP/topics"
# auto-created by kcat -P with num.partitions=2;
# what matters: 750 messages, log end 750
check "topics list: ctltopic, 2 partitions, 750 messages, log end 750" \
    grep -Eq "^ctltopic +2 +750 +750 " "$KS_TMP/topics"

ctl topics describe ctltopic >"$KS_TMP/describe" 2>&1; rc=$?
check "topics describe: exit 0 (got $rc)" [ "$rc" -eq 0 ]
check "topics describe: summary line" grep -q "^topic ctltopic .* messages 750" "$KS_TMP/describe"
check "topics describe: partition 0 log end 500, 500 records in" \
    grep -Eq "^ +0 +0 +0 +0 +500 +500 " "$KS_TMP/describe"
check "topics describe: partition 1 log end 250" grep -Eq "^ +1 +0 +0 +0 +250 +250 " "$KS_TMP/describe"
check "topics describe: config line" grep -q "^config: .*retention.ms=" "$KS_TMP/describe"

ctl -j topics describe ctltopic >"$KS_TMP/describe.json" 2>&1; rc=$?
check "topics describe -j: exit 0 (got $rc)" [ "$rc" -eq 0 ]
check "topics describe -j: JSON with log ends [500, 250]" \
    [ "$(json_get '[p["log_end"] for p in j["partitions"]]' "$KS_TMP/describe.json")" = "[500, 250]" ]

ctl topics describe nosuchtopic >/dev/null 2>"$KS_TMP/nosuch"; rc=$?
check "topics describe of an unknown topic: exit 1 (got $rc)" [ "$rc" -eq 1 ]
check "topics describe of an unknown topic: says not found" grep -q 'topic "nosuchtopic" not found' "$KS_TMP/nosuch"

ctl brokers >"$KS_TMP/brokers" 2>&1
check "brokers: broker 0 on the Kafka port" grep -Eq "^ +0 +127.0.0.1 +$KS_BROKER_PORT +- +yes" "$KS_TMP/brokers"

# committed offsets reach the store in batches: wait for them
ks_wait_for 15 sh -c "\"$CTL\" -s 127.0.0.1:$KS_OPS_PORT lag ctlgroup 2>/dev/null | grep -Eq '^ctlgroup +ctltopic +0 +500 +500 +0\$'"
ctl lag ctlgroup >"$KS_TMP/lag" 2>&1; rc=$?
check "lag ctlgroup: exit 0 (got $rc)" [ "$rc" -eq 0 ]
check "lag ctlgroup: partition 0 committed 500, lag 0" grep -Eq "^ctlgroup +ctltopic +0 +500 +500 +0$" "$KS_TMP/lag"
check "lag ctlgroup: partition 1 committed 250, lag 0" grep -Eq "^ctlgroup +ctltopic +1 +250 +250 +0$" "$KS_TMP/lag"

seq 1 100 | ks_kcat -P -t ctltopic -p 0
ks_wait_for 10 sh -c "\"$CTL\" -s 127.0.0.1:$KS_OPS_PORT groups describe ctlgroup 2>/dev/null | grep -Eq '^ctltopic +0 +500 +600 +100\$'"
ctl groups describe ctlgroup >"$KS_TMP/group" 2>&1; rc=$?
check "groups describe: exit 0 (got $rc)" [ "$rc" -eq 0 ]
check "groups describe: lag 100 after 100 more messages" grep -Eq "^ctltopic +0 +500 +600 +100$" "$KS_TMP/group"
check "groups describe: summary with lag 100" grep -q "^group ctlgroup .* lag 100$" "$KS_TMP/group"
ctl groups list >"$KS_TMP/groups" 2>&1
check "groups list: ctlgroup with lag 100" grep -Eq "^ctlgroup +[A-Za-z]+ +.* +100$" "$KS_TMP/groups"
ctl groups describe nosuchgroup >/dev/null 2>"$KS_TMP/nogroup"; rc=$?
check "groups describe of an unknown group: exit 1 (got $rc)" [ "$rc" -eq 1 ]

ctl metrics >"$KS_TMP/metrics" 2>&1; rc=$?
check "metrics: exit 0 and the Prometheus text" \
    sh -c '[ "$1" -eq 0 ] && grep -q "^kafscale_topic_records_in_total{topic=\"ctltopic\"} 850$" "$2"' _ "$rc" "$KS_TMP/metrics"

ks_broker_stop
timeout 20 "$CTL" -s "127.0.0.1:$KS_OPS_PORT" status >/dev/null 2>"$KS_TMP/stopped.err"; rc=$?
check "after the broker stopped: exit 1 (got $rc)" [ "$rc" -eq 1 ]

# --- readiness follows the metadata store -------------------------------------
ready_code() { curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$KS_OPS_PORT/readyz"; }
if command -v etcd >/dev/null 2>&1 && command -v curl >/dev/null 2>&1; then
    ks_etcd_start e1
    ks_broker_start b2 -o metadata.store=etcd -o "etcd.endpoints=$KS_ETCD_ENDPOINT"
    ks_wait_for 15 sh -c "[ \"\$(curl -s -o /dev/null -w '%{http_code}' http://127.0.0.1:$KS_OPS_PORT/readyz)\" = 200 ]"
    check "etcd up: /readyz 200 (got $(ready_code))" [ "$(ready_code)" = 200 ]
    KS_ETCD_PORT_WANTED=$KS_ETCD_PORT
    ks_etcd_stop
    ks_wait_for 30 sh -c "[ \"\$(curl -s -o /dev/null -w '%{http_code}' http://127.0.0.1:$KS_OPS_PORT/readyz)\" = 503 ]"
    check "etcd down: /readyz 503 (got $(ready_code))" [ "$(ready_code)" = 503 ]
    check "etcd down: /healthz still 200" \
        [ "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$KS_OPS_PORT/healthz")" = 200 ]
    ctl status >"$KS_TMP/status-down" 2>&1
    check "etcd down: kafscalectl status says NOT READY, etcd not answering" \
        sh -c 'grep -q "NOT READY$" "$1" && grep -q "metadata store: etcd (not answering" "$1"' _ "$KS_TMP/status-down"
    export KS_ETCD_PORT_WANTED
    ks_etcd_start e1
    ks_wait_for 30 sh -c "[ \"\$(curl -s -o /dev/null -w '%{http_code}' http://127.0.0.1:$KS_OPS_PORT/readyz)\" = 200 ]"
    check "etcd back: /readyz 200 again (got $(ready_code))" [ "$(ready_code)" = 200 ]
    ks_broker_stop
    ks_etcd_stop
else
    ks_log "SKIP: readiness with etcd (etcd or curl not installed)"
fi

if [ -n "$FAILS" ]; then
    ks_fail "failed checks:$FAILS"
fi
echo PASS

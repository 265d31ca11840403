#!/bin/sh
# kafkajs idempotent producer across a worker kill: exactly once
# (test_kafkajs_idem.js).
. "${KS_SRCDIR:-.}/tests/e2e/lib.sh"

command -v node >/dev/null 2>&1 || { ks_log "SKIP: no node"; exit 77; }
[ -d "$KS_SRCDIR/tests/e2e/node_modules/kafkajs" ] || { ks_log "SKIP: no kafkajs"; exit 77; }

ks_broker_start kjs -o log.level=info
M=$KS_BROKER_PID
rm -f "$KS_TMP/half"
timeout 50 node "$KS_SRCDIR/tests/e2e/test_kafkajs_idem.js" "127.0.0.1:$KS_BROKER_PORT" kjs-idem 20000 \
    "$KS_TMP/half" >"$KS_TMP/node.out" 2>&1 &
NODE=$!
ks_track $NODE
ks_wait_for 30 test -f "$KS_TMP/half" || ks_fail "kafkajs did not get half way"
for w in $(ps --ppid "$M" -o pid=,args= | awk '/kafscaled: worker/ { print $1 }'); do
    kill -9 "$w"
done
ks_pass "killed every worker (-9) half way through the idempotent produce"
wait $NODE
rc=$?
cat "$KS_TMP/node.out"
[ $rc = 0 ] || ks_fail "kafkajs idempotent produce was not exactly once (exit $rc)"
ks_broker_stop
echo PASS

#!/bin/sh
# kafkajs consumer group against kafscaled (test_groups_kafkajs.js).
. "${KS_SRCDIR:-.}/tests/e2e/lib.sh"

command -v node >/dev/null 2>&1 || { ks_log "SKIP: no node"; exit 77; }
[ -d "$KS_SRCDIR/tests/e2e/node_modules/kafkajs" ] || { ks_log "SKIP: no kafkajs"; exit 77; }

ks_broker_start b1 -o auto.create.topics.enable=true -o num.partitions=3 \
    -o group.initial.rebalance.delay.ms=100
for p in 0 1 2; do
    seq 1 30 | ks_kcat -P -t grp-kafkajs -p $p || ks_fail "produce to partition $p failed"
done
timeout 50 node "$KS_SRCDIR/tests/e2e/test_groups_kafkajs.js" "127.0.0.1:$KS_BROKER_PORT" grp-kafkajs 3 30 \
    >"$KS_TMP/node.out" 2>&1
rc=$?
cat "$KS_TMP/node.out"
[ $rc = 0 ] || ks_fail "kafkajs checks failed (exit $rc)"
ks_broker_stop
echo PASS

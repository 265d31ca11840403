#!/bin/sh
# test_flush_orphans.sh: objects a dead run left past the committed high
# watermark do not shadow the data a new run writes at those offsets.
#
# The flusher uploads several cycles at once and commits them in order, so
# a broker killed mid-flight can leave objects of a later cycle in the store
# past the committed high watermark (never acknowledged).  Started again on
# the same data, the broker reuses those offsets; before a partition's first
# upload the flusher deletes what lies at or past the high watermark.
#
# 1. produce 1,000 messages (1 partition, acks=all); stop;
# 2. plant a stale object past the high watermark (a copy of the first
#    segment and its index under base offset 1,500, as a dead run would
#    have left one);
# 3. start again, produce 2,000 more (offsets 1,000..2,999): the stale
#    object is gone (or replaced), the segments below 1,000 are still there,
#    and the log says what was deleted;
# 4. restart (empty ring: everything comes from the object store) and read
#    all 3,000 back, at their acknowledged offsets.
. "${KS_SRCDIR:-.}/tests/e2e/lib.sh"

RDK=$KS_BUILDDIR/tests/e2e/rdkafka_check
[ -x "$RDK" ] || { ks_log "SKIP: $RDK not built (librdkafka-dev missing?)"; exit 77; }

ks_broker_start orph -o num.partitions=1 -o log.level=info
B=127.0.0.1:$KS_BROKER_PORT
"$RDK" produce -b "$B" -t orph -n 1000 -p 1 -a all --ack-log "$KS_TMP/ack1" --timeout 30 --quiet ||
    ks_fail "produce of 1,000 messages failed (status $?)"
ks_broker_stop

dir=$KS_BROKER_DATA/objects/default/orph/0   # s3.namespace: default
first=$dir/segment-00000000000000000000
[ -f "$first.kfs" ] && [ -f "$first.index" ] || ks_fail "no first segment in $dir: $(ls "$dir" 2>&1)"
nbefore=$(ls "$dir" | grep -c '\.kfs$')
stale=$dir/segment-00000000000000001500
cp "$first.kfs" "$stale.kfs" && cp "$first.index" "$stale.index" || ks_fail "could not plant $stale.*"
ks_pass "1,000 acknowledged in $nbefore segments; a stale object planted at offset 1,500"

ks_broker_start orph -o num.partitions=1 -o log.level=info
B=127.0.0.1:$KS_BROKER_PORT
"$RDK" produce -b "$B" -t orph -n 2000 -p 1 -a all --seq-base 1000 --ack-log "$KS_TMP/ack2" \
    --timeout 30 --quiet || ks_fail "produce of 2,000 more failed (status $?)"
for f in "$stale.kfs" "$stale.index"; do
    if [ -f "$f" ] && cmp -s "$f" "$first.${f##*.}"; then
        ks_fail "the stale $(basename "$f") is still there after the first upload"
    fi
done
[ -f "$first.kfs" ] || ks_fail "the committed segment $first.kfs was deleted"
grep -q 'deleting objects an earlier run left at or past offset 1000' "$KS_BROKER_LOG" ||
    ks_fail "no log line about the deleted stale objects"
ks_pass "the stale object is gone, the committed segments are kept"
ks_broker_stop

ks_broker_start orph -o num.partitions=1 -o log.level=info
B=127.0.0.1:$KS_BROKER_PORT
cat "$KS_TMP/ack1" "$KS_TMP/ack2" >"$KS_TMP/ack"
"$RDK" consume -b "$B" -t orph -n 3000 -p 1 --timeout 30 --quiet ||
    ks_fail "the 3,000 messages do not read back intact from the object store"
"$RDK" consume -b "$B" -t orph -n 3000 -p 1 --timeout 30 --quiet --verify-ack-log "$KS_TMP/ack" ||
    ks_fail "acknowledged messages are not at their acknowledged offsets"
ks_pass "after a restart all 3,000 read back from the object store at their acknowledged offsets"
ks_broker_stop

#!/bin/sh
# test_etcd_outage.sh: etcd goes away under an acks=all producer and comes
# back: first paused for 8 s (requests hang, then time out), then stopped
# for 20 s and restarted on its data (the broker's lease runs out meanwhile:
# it fences its partitions and takes them again when etcd returns).  Meanwhile produces wait or fail retriably and
# nothing is acknowledged without being committed; the broker logs the
# outage, recovers by itself when etcd returns, and afterwards every
# acknowledged message is readable at its acknowledged offset.
: "${KS_TEST_TIMEOUT:=200}"
. "${KS_SRCDIR:-.}/tests/e2e/lib.sh"

RDK=$KS_BUILDDIR/tests/e2e/rdkafka_check
[ -x "$RDK" ] || { ks_log "SKIP: $RDK not built"; exit 77; }
cp "$RDK" "$KS_TMP/rdkafka_check" && RDK=$KS_TMP/rdkafka_check ||
    ks_fail "could not copy rdkafka_check"

ks_etcd_start e1
ks_broker_start b -o metadata.store=etcd -o etcd.endpoints=$KS_ETCD_ENDPOINT -o num.partitions=4 \
    -o log.level=info
B=127.0.0.1:$KS_BROKER_PORT
acked() { if [ -f "$KS_TMP/ack" ]; then wc -l <"$KS_TMP/ack"; else echo 0; fi; }
acked_ge() { [ "$(acked)" -ge "$1" ]; }

N=400000
"$RDK" produce -b "$B" -t outage -n $N -p 4 -a all --rate 20000 --ack-log "$KS_TMP/ack" \
    --timeout 150 --quiet >"$KS_TMP/p.out" 2>"$KS_TMP/p.err" &
PROD=$!
ks_track $PROD
ks_wait_for 30 acked_ge 40000 || ks_fail "producer stalled at $(acked)"

# etcd stops (the same data dir and port come back later)
kill -STOP "$KS_ETCD_PID"
ks_pass "etcd paused at $(acked) acknowledged messages"
# acknowledgements already on their way (commits done before) arrive first
sleep 2
before=$(acked)
sleep 6
during=$(acked)
# a few acks may still land from commits that were already in flight
[ $((during - before)) -lt 5000 ] ||
    ks_fail "$((during - before)) messages acknowledged while etcd was away: acks must wait for the commit"
ks_pass "while etcd is away acknowledgements stop ($((during - before)) in the last 6 s of 8)"
kill -CONT "$KS_ETCD_PID"
ks_pass "etcd resumed"
t0=$(date +%s)
ks_wait_for 30 acked_ge $((during + 20000)) || ks_fail "no recovery after etcd returned ($(acked) acked)"
ks_pass "acknowledgements resume within $(( $(date +%s) - t0 )) s of etcd's return"

# etcd stopped for 20 s and restarted on the same data and port
ks_etcd_stop
ks_pass "etcd stopped at $(acked) acknowledged messages"
sleep 3
before=$(acked)
sleep 17
during=$(acked)
[ $((during - before)) -lt 5000 ] ||
    ks_fail "$((during - before)) messages acknowledged while etcd was down"
KS_ETCD_PORT_WANTED=$KS_ETCD_PORT ks_etcd_start e1
t0=$(date +%s)
ks_wait_for 40 acked_ge $((during + 20000)) || ks_fail "no recovery after etcd restarted ($(acked) acked)"
ks_pass "acknowledgements resume $(( $(date +%s) - t0 )) s after etcd restarted"

wait $PROD || { tail -15 "$KS_TMP/p.err" >&2; ks_fail "the producer failed"; }
cat "$KS_TMP/p.out"
out=$("$RDK" consume -b "$B" -t outage -n $N -p 4 --timeout 60 --quiet --allow-dups \
    --verify-ack-log "$KS_TMP/ack" 2>&1) || { echo "$out"; ks_fail "acknowledged messages missing after the outage"; }
echo "$out"
grep -Eq "could not commit high watermarks|metadata commit failed|etcd .*unreachable|timed out" "$KS_BROKER_LOG" ||
    ks_fail "no log line about the metadata store outage"
ks_pass "the outage is in the log: $(grep -Em1 'could not commit high watermarks|etcd .*unreachable|timed out' "$KS_BROKER_LOG")"
ks_broker_stop
echo PASS

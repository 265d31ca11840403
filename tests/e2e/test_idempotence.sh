#!/bin/sh
# test_idempotence.sh: an idempotent librdkafka producer writes 1,000,000
# messages while both workers are killed (kill -9) under it, so batches are
# retried on new connections; afterwards every message is there exactly
# once, at its acknowledged offset, in order per partition.  Then the whole
# broker is killed (-9) and restarted mid-run: the producer state is rebuilt
# from the durable segments and the retries are still not written twice.
: "${KS_TEST_TIMEOUT:=240}"
. "${KS_SRCDIR:-.}/tests/e2e/lib.sh"

RDK=$KS_BUILDDIR/tests/e2e/rdkafka_check
[ -x "$RDK" ] || { ks_log "SKIP: $RDK not built (librdkafka-dev missing?)"; exit 77; }
cp "$RDK" "$KS_TMP/rdkafka_check" && RDK=$KS_TMP/rdkafka_check &&
    cp "$KAFSCALED" "$KS_TMP/kafscaled" && KAFSCALED=$KS_TMP/kafscaled ||
    ks_fail "could not copy the binaries into $KS_TMP"
N=1000000
P=8

ks_broker_start idem -o num.partitions=$P -o log.level=info
B=127.0.0.1:$KS_BROKER_PORT
M=$KS_BROKER_PID
child_pid() { ps --ppid "$M" -o pid=,args= | awk -v t="$1" '{ p = $1; $1 = ""; sub(/^ +/, ""); sub(/ +$/, ""); if ($0 == t) print p }'; }
acked() { if [ -f "$1" ]; then wc -l <"$1"; else echo 0; fi; }
acked_ge() { [ "$(acked "$1")" -ge "$2" ]; }

# --- 1. workers killed under an idempotent producer ---
"$RDK" produce -b "$B" -t idem -n $N -p $P -a all --idempotent --rate 100000 \
    --ack-log "$KS_TMP/ack1" --timeout 150 --quiet >"$KS_TMP/p1.out" 2>"$KS_TMP/p1.err" &
PROD=$!
ks_track $PROD
for w in "kafscaled: worker 1" "kafscaled: worker 2"; do
    ks_wait_for 60 acked_ge "$KS_TMP/ack1" 250000 || ks_fail "producer stalled at $(acked "$KS_TMP/ack1")"
    pid=$(child_pid "$w")
    [ -n "$pid" ] || ks_fail "no '$w' under master $M"
    kill -9 "$pid"
    ks_pass "kill -9 '$w' (pid $pid) at $(acked "$KS_TMP/ack1") acknowledged messages"
    ks_wait_for 60 acked_ge "$KS_TMP/ack1" 500000 || ks_fail "producer stalled at $(acked "$KS_TMP/ack1")"
done
wait $PROD || { tail -15 "$KS_TMP/p1.err" >&2; ks_fail "the idempotent producer failed (status $?)"; }
cat "$KS_TMP/p1.out"
ks_pass "all $N messages acknowledged across two worker kills"
out=$("$RDK" consume -b "$B" -t idem -n $N -p $P --timeout 90 --quiet --verify-ack-log "$KS_TMP/ack1" 2>&1) ||
    { echo "$out"; ks_fail "messages missing, moved or duplicated after the worker kills"; }
echo "$out"
echo "$out" | grep -q "dups=0" || ks_fail "duplicates after the worker kills: $out"
ks_pass "every message exactly once, at its acknowledged offset, in order"

# --- 2. the whole broker killed and restarted under the producer ---
N2=300000
"$RDK" produce -b "$B" -t idem2 -n $N2 -p $P -a all --idempotent --rate 50000 \
    --ack-log "$KS_TMP/ack2" --timeout 150 --quiet >"$KS_TMP/p2.out" 2>"$KS_TMP/p2.err" &
PROD=$!
ks_track $PROD
ks_wait_for 60 acked_ge "$KS_TMP/ack2" 100000 || ks_fail "producer stalled at $(acked "$KS_TMP/ack2")"
kill -9 "$M" $(ps --ppid "$M" -o pid=) 2>/dev/null
ks_pass "kill -9 of every kafscaled process at $(acked "$KS_TMP/ack2") acknowledged messages"
sleep 0.5
KS_BROKER_PORT_WANTED=$KS_BROKER_PORT ks_broker_start idem -o num.partitions=$P -o log.level=info
wait $PROD || { tail -15 "$KS_TMP/p2.err" >&2; ks_fail "the producer failed across the broker restart"; }
cat "$KS_TMP/p2.out"
out=$("$RDK" consume -b "$B" -t idem2 -n $N2 -p $P --timeout 90 --quiet --verify-ack-log "$KS_TMP/ack2" 2>&1) ||
    { echo "$out"; ks_fail "messages missing or duplicated across the broker restart"; }
echo "$out"
echo "$out" | grep -q "dups=0" || ks_fail "duplicates across the broker restart: $out"
grep -q "rebuilt producer state" "$KS_BROKER_LOG" || ks_fail "the broker did not rebuild producer state"
ks_pass "exactly once across a kill -9 and restart of the broker (producer state rebuilt)"
ks_broker_stop
echo PASS

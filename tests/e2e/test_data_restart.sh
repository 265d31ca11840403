#!/bin/sh
# test_data_restart.sh: acknowledged data survives a clean restart and a
# kill -9 of the whole broker (file object store, embedded metadata).
#
# 1. produce 300,000 x 100-byte messages, 8 partitions, acks=all, with an
#    ack log (partition offset seq of every acknowledged message);
#    SIGTERM -> exit 0; start again on the same data.dir; read everything
#    from the beginning (the ring is new, so it comes from the object store):
#    every message intact, in order, at the offset it was acknowledged at;
# 2. produce 10,000 more: the first new offset of every partition is the
#    count it held before (37,500), i.e. offsets continue after the last
#    durable one; read all 310,000 back;
# 3. kill -9 every kafscaled process (master and children, by pid) while a
#    300,000-message acks=all produce runs; restart on the same port and
#    data; the producer (librdkafka retries) finishes; every message in its
#    ack log is readable at its acknowledged offset (duplicates from
#    retries are allowed and counted).
: "${KS_TEST_TIMEOUT:=300}"
. "${KS_SRCDIR:-.}/tests/e2e/lib.sh"

RDK=$KS_BUILDDIR/tests/e2e/rdkafka_check
[ -x "$RDK" ] || { ks_log "SKIP: $RDK not built (librdkafka-dev missing?)"; exit 77; }
# private copies: a rebuild while the test runs must not change (or remove)
# the binaries between the broker's restarts
cp "$RDK" "$KS_TMP/rdkafka_check" && RDK=$KS_TMP/rdkafka_check &&
    cp "$KAFSCALED" "$KS_TMP/kafscaled" && KAFSCALED=$KS_TMP/kafscaled ||
    ks_fail "could not copy the binaries into $KS_TMP"
N=300000
P=8

ks_broker_start r -o num.partitions=$P -o log.level=info
B=127.0.0.1:$KS_BROKER_PORT

"$RDK" produce -b "$B" -t restart -n $N -p $P -a all --ack-log "$KS_TMP/ack1" --timeout 90 --quiet ||
    ks_fail "produce of $N messages failed (status $?)"
[ "$(wc -l <"$KS_TMP/ack1")" -eq $N ] || ks_fail "ack log has $(wc -l <"$KS_TMP/ack1") lines, want $N"

ks_broker_stop
ks_pass "SIGTERM after $N acknowledged messages: exit 0"
ks_broker_start r -o num.partitions=$P -o log.level=info
B=127.0.0.1:$KS_BROKER_PORT

"$RDK" consume -b "$B" -t restart -n $N -p $P --timeout 90 --quiet ||
    ks_fail "after a restart, the $N messages do not read back intact"
"$RDK" consume -b "$B" -t restart -n $N -p $P --timeout 90 --quiet --verify-ack-log "$KS_TMP/ack1" ||
    ks_fail "after a restart, acknowledged messages are not at their acknowledged offsets"
ks_pass "after a restart: all $N messages read back from the object store, at their acknowledged offsets"

# offsets continue after the last durable one
M=10000
"$RDK" produce -b "$B" -t restart -n $M -p $P -a all --seq-base $N --ack-log "$KS_TMP/ack2" \
    --timeout 60 --quiet || ks_fail "produce after the restart failed (status $?)"
firsts=$(awk '{ if (!($1 in m) || $2 < m[$1]) m[$1] = $2 } END { for (p in m) print p, m[p] }' \
    "$KS_TMP/ack2" | sort -n | tr '\n' ' ')
want=""
p=0
while [ $p -lt $P ]; do want="$want$p $((N / P)) "; p=$((p + 1)); done
[ "$firsts" = "$want" ] ||
    ks_fail "first offsets after the restart (partition offset): $firsts; want $want"
"$RDK" consume -b "$B" -t restart -n $((N + M)) -p $P --timeout 90 --quiet ||
    ks_fail "the $((N + M)) messages do not read back intact"
ks_pass "offsets continue at $((N / P)) per partition after the restart; $((N + M)) read back"

# kill -9 of every process mid-produce
PORT=$KS_BROKER_PORT
"$RDK" produce -b "$B" -t crash -n $N -p $P -a all --ack-log "$KS_TMP/ack3" --timeout 120 --quiet \
    >"$KS_TMP/crash-produce.out" 2>"$KS_TMP/crash-produce.err" &
PROD=$!
ks_track $PROD
ks_wait_for 60 sh -c "[ \$(wc -l <'$KS_TMP/ack3') -ge 30000 ]" ||
    ks_fail "the crash produce did not reach 30,000 acknowledged messages within 60 s"
kids=$(ps --ppid "$KS_BROKER_PID" -o pid= | tr '\n' ' ')
acked_before=$(wc -l <"$KS_TMP/ack3")
kill -9 "$KS_BROKER_PID" $kids
wait "$KS_BROKER_PID" 2>/dev/null
ks_wait_for 5 ks_none_left $kids || ks_fail "processes $kids survived kill -9"
ks_pass "kill -9 of master $KS_BROKER_PID and children $kids after $acked_before acknowledged messages"
sleep 0.3
KS_BROKER_PORT_WANTED=$PORT
ks_broker_start r -o num.partitions=$P -o log.level=info
wait $PROD
prc=$?
cat "$KS_TMP/crash-produce.out"
[ $prc -eq 0 ] || { tail -5 "$KS_TMP/crash-produce.err" >&2
    ks_fail "the producer did not get every message acknowledged across the crash (status $prc)"; }
out=$("$RDK" consume -b "$B" -t crash -n $N -p $P --timeout 90 --quiet --allow-dups \
    --verify-ack-log "$KS_TMP/ack3") || { echo "$out"
    ks_fail "after kill -9 and restart, acknowledged messages are missing (see above)"; }
echo "$out"
ks_pass "after kill -9: every acknowledged message at its offset ($(echo "$out" | sed -n 's/.* \([0-9]*\) duplicates/\1/p') duplicates from retries)"

ks_broker_stop

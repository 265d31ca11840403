#!/bin/sh
# test_data_kill.sh: a worker and the flusher die (kill -9) during an
# acks=all produce run; nothing acknowledged is lost.
#
# rdkafka_check produces 500,000 x 100-byte messages over 8 partitions with
# acks=all and an ack log, capped at 50,000 msgs/s so that the run lasts
# ~10 s and both kills land in the middle of it: "kafscaled: worker 1" is
# killed with -9 after ~100,000 acknowledgements, "kafscaled: flusher" after
# ~250,000.  The master must respawn both (new pids with the same titles),
# the producer must get every message acknowledged (librdkafka retries), and
# afterwards every (partition, offset, seq) of the ack log is read back at
# exactly that offset with intact content.  Duplicates (a batch written but
# not acknowledged before the kill, then retried) are allowed and reported.
: "${KS_TEST_TIMEOUT:=240}"
. "${KS_SRCDIR:-.}/tests/e2e/lib.sh"

RDK=$KS_BUILDDIR/tests/e2e/rdkafka_check
[ -x "$RDK" ] || { ks_log "SKIP: $RDK not built (librdkafka-dev missing?)"; exit 77; }
# private copies: a rebuild while the test runs must not change (or remove)
# the binaries between the broker's restarts
cp "$RDK" "$KS_TMP/rdkafka_check" && RDK=$KS_TMP/rdkafka_check &&
    cp "$KAFSCALED" "$KS_TMP/kafscaled" && KAFSCALED=$KS_TMP/kafscaled ||
    ks_fail "could not copy the binaries into $KS_TMP"
N=500000
P=8

ks_broker_start kill -o num.partitions=$P -o log.level=info
B=127.0.0.1:$KS_BROKER_PORT
M=$KS_BROKER_PID

# child_pid TITLE: pid of the master's child titled exactly TITLE
child_pid() { ps --ppid "$M" -o pid=,args= | awk -v t="$1" '{ p = $1; $1 = ""; sub(/^ +/, ""); sub(/ +$/, ""); if ($0 == t) print p }'; }
acked() { if [ -f "$KS_TMP/ack" ]; then wc -l <"$KS_TMP/ack"; else echo 0; fi; }
acked_ge() { [ "$(acked)" -ge "$1" ]; }
respawned() { _p=$(child_pid "$1"); [ -n "$_p" ] && [ "$_p" != "$2" ]; }

"$RDK" produce -b "$B" -t kill -n $N -p $P -a all --rate 50000 --ack-log "$KS_TMP/ack" \
    --timeout 120 --quiet >"$KS_TMP/produce.out" 2>"$KS_TMP/produce.err" &
PROD=$!
ks_track $PROD

kill_child() {  # kill_child TITLE AT: kill -9 TITLE once AT messages are acknowledged
    ks_wait_for 60 acked_ge "$2" ||
        ks_fail "the producer did not reach $2 acknowledged messages within 60 s ($(acked) so far)"
    _old=$(child_pid "$1")
    [ -n "$_old" ] || ks_fail "no child titled '$1' under master $M: $(ks_children "$M")"
    _at=$(acked)
    kill -9 "$_old"
    ks_wait_for 5 respawned "$1" "$_old" ||
        ks_fail "'$1' (pid $_old, killed -9) was not respawned within 5 s: $(ks_children "$M")"
    ks_pass "kill -9 '$1' (pid $_old) at $_at acknowledged messages; respawned as pid $(child_pid "$1")"
}
kill_child "kafscaled: worker 1" 100000
kill_child "kafscaled: flusher" 250000

wait $PROD
prc=$?
cat "$KS_TMP/produce.out"
if [ $prc -ne 0 ]; then
    tail -15 "$KS_TMP/produce.err" >&2
    ks_fail "the producer did not get all $N messages acknowledged across the kills (status $prc, $(acked) acked)"
fi
ks_pass "the producer got all $N messages acknowledged"

out=$("$RDK" consume -b "$B" -t kill -n $N -p $P --timeout 90 --quiet --allow-dups \
    --verify-ack-log "$KS_TMP/ack" 2>&1) || { echo "$out"
    ks_fail "acknowledged messages are missing or moved after the kills (see above)"; }
echo "$out"
dups=$(echo "$out" | sed -n 's/^verify: .* \([0-9]*\) duplicates$/\1/p')
ks_pass "every acknowledged message is at its acknowledged offset; $dups duplicates from retries"

ks_broker_stop

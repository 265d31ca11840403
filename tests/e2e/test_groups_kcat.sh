#!/bin/sh
# kcat -G (librdkafka's balanced consumer group) against kafscaled: two
# members share a 4-partition topic (each gets partitions, together all
# four, every message consumed); when one leaves, the other is assigned
# all four.
. "${KS_SRCDIR:-.}/tests/e2e/lib.sh"

FAILS=""
check() {
    _what=$1; shift
    if "$@"; then ks_pass "$_what"; else FAILS="$FAILS
  - $_what"; ks_log "FAIL: $_what"; fi
}

ks_broker_start b1 -o auto.create.topics.enable=true -o num.partitions=4 \
    -o group.initial.rebalance.delay.ms=100

T=grp-kcat
for p in 0 1 2 3; do
    seq 1 25 | sed "s/^/p$p-/" | ks_kcat -P -t $T -p $p || ks_fail "produce to partition $p failed"
done

# last "assigned:" line of a kcat -G stderr log -> sorted partition list
assigned() {
    grep 'rebalanced.*assigned:' "$1" | tail -1 | sed 's/.*assigned: *//' |
        tr ',' '\n' | sed -n 's/.*\[\([0-9]*\)\].*/\1/p' | sort -n | tr '\n' ' ' | sed 's/ $//'
}

start_member() {  # start_member NAME
    timeout 50 kcat -b "127.0.0.1:$KS_BROKER_PORT" -G grp-kcat-g $T -o beginning \
        -X session.timeout.ms=6000 -X heartbeat.interval.ms=500 \
        -u -f '%p %s\n' >"$KS_TMP/$1.out" 2>"$KS_TMP/$1.err" &
    eval "${1}_PID=\$!"
    ks_track $!
}

start_member m1
ks_wait_for 15 grep -q 'assigned:' "$KS_TMP/m1.err" || ks_fail "m1 got no assignment"
start_member m2
both_assigned() {
    a1=$(assigned "$KS_TMP/m1.err"); a2=$(assigned "$KS_TMP/m2.err")
    [ -n "$a1" ] && [ -n "$a2" ] &&
        [ "$(printf '%s %s\n' "$a1" "$a2" | tr ' ' '\n' | sort -n | tr '\n' ' ')" = "0 1 2 3 " ]
}
check "two members: both get partitions, all 4 assigned exactly once" ks_wait_for 20 both_assigned
ks_log "m1: $(assigned "$KS_TMP/m1.err") / m2: $(assigned "$KS_TMP/m2.err")"
all_consumed() { [ "$(cat "$KS_TMP/m1.out" "$KS_TMP/m2.out" | sort -u | wc -l)" -ge 100 ]; }
check "the two members consumed all 100 messages" ks_wait_for 15 all_consumed

# m2 leaves (kcat closes the consumer on SIGTERM: LeaveGroup)
kill -TERM "$m2_PID"
wait "$m2_PID" 2>/dev/null
m1_all() { [ "$(assigned "$KS_TMP/m1.err")" = "0 1 2 3" ]; }
check "after m2 left, m1 is assigned all 4 partitions" ks_wait_for 15 m1_all
kill -TERM "$m1_PID"
wait "$m1_PID" 2>/dev/null
check "the broker logged the group's generations" grep -q "group grp-kcat-g: generation" "$KS_BROKER_LOG"

ks_broker_stop
if [ -n "$FAILS" ]; then
    ks_print_logs
    ks_log "failures:$FAILS"
    exit 1
fi
echo PASS

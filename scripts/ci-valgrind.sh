#!/bin/sh
# Valgrind memcheck of a short end-to-end run: kafscaled (master, one
# worker, flusher, coordinator, all under valgrind) serves a kcat producer
# and consumer (a few thousand messages) and a consumer group, then stops
# on SIGTERM.  Fails on any memcheck error or definite leak in any process,
# on lost messages, or on an unclean exit.  Prints
# "valgrind: N passed, M failed".
#
#   sh scripts/ci-valgrind.sh [BUILDDIR]      (default: the source tree)
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
bld=${1:-$top}
start=$(date +%s)
tmp=$(mktemp -d "${TMPDIR:-/tmp}/ks-valgrind.XXXXXX")
pass=0 fail=0 bpid=""
ok() { pass=$((pass + 1)); echo "valgrind: ok: $*"; }
bad() { fail=$((fail + 1)); echo "valgrind: FAIL: $*"; }
finish() {
    [ -n "$bpid" ] && kill -9 -- "-$bpid" 2>/dev/null
    echo "valgrind: $(( $(date +%s) - start )) s"
    echo "valgrind: $pass passed, $fail failed"
    [ "${KS_KEEP_TMP:-0}" = 1 ] && echo "valgrind: kept $tmp" || rm -rf "$tmp"
    [ $fail = 0 ]
    exit $?
}
command -v valgrind >/dev/null || { bad "valgrind is not installed"; finish; }
free_port() { /usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
port=$(free_port) ops=$(free_port)
B=127.0.0.1:$port

setsid valgrind -q --leak-check=full --errors-for-leak-kinds=definite --error-exitcode=99 \
    --trace-children=yes --num-callers=30 --log-file="$tmp/vg.%p" \
    "$bld/kafscaled" -o "listeners=PLAINTEXT://$B" -o "data.dir=$tmp/data" -o "ops.listen=127.0.0.1:$ops" \
    -o workers=1 -o log.level=${KS_VG_LOG:-info} -o ring.bytes=16m -o read.cache.bytes=8m -o flush.interval.ms=50 \
    -o num.partitions=2 -o group.initial.rebalance.delay.ms=0 \
    </dev/null >"$tmp/broker.log" 2>&1 &
bpid=$!
i=0
until timeout 5 kcat -L -b "$B" -m 3 >/dev/null 2>&1; do
    i=$((i + 1))
    if [ $i -gt 60 ] || ! kill -0 $bpid 2>/dev/null; then
        tail -20 "$tmp/broker.log"; bad "kafscaled under valgrind not serving within 60 s"; finish
    fi
    sleep 1
done
ok "kafscaled under valgrind serving after $i s"

N=3000
seq 1 $N | sed 's/^/message-/' | timeout 120 kcat -P -b "$B" -t vg -X acks=all 2>"$tmp/produce.err" &&
    ok "$N messages produced with acks=all" || { cat "$tmp/produce.err"; bad "kcat -P failed"; }
got=$(timeout 120 kcat -C -b "$B" -t vg -o beginning -e -q 2>"$tmp/consume.err" | grep -c '^message-')
[ "$got" = $N ] && ok "$N messages consumed" || { cat "$tmp/consume.err"; bad "consumed $got of $N"; }
# a consumer group: join, sync, commit, leave (the coordinator's code paths)
got=$(timeout 120 kcat -b "$B" -G vg-group vg -o beginning -e -q -X auto.commit.interval.ms=100 \
      2>"$tmp/group.err" | grep -c '^message-')
[ "$got" = $N ] && ok "$N messages consumed by a consumer group" || { tail -5 "$tmp/group.err"; bad "group consumed $got of $N"; }
timeout 30 curl -sf "http://127.0.0.1:$ops/metrics" >/dev/null && ok "ops /metrics answered" || bad "ops /metrics"

# Let the consumers' last long-poll Fetch (fetch.wait.max.ms = 500) expire
# first: a Fetch parked at stop leaks its orphaned request (fetch.c,
# ks_fetch_shutdown frees the op, not its request; reported).
sleep 1
kill -TERM $bpid
i=0
while kill -0 $bpid 2>/dev/null && [ $i -lt 120 ]; do sleep 1; i=$((i + 1)); done
if kill -0 $bpid 2>/dev/null; then
    bad "kafscaled did not stop within 120 s of SIGTERM"
else
    wait $bpid; rc=$?
    [ $rc = 0 ] && ok "SIGTERM: exit status 0 after $i s" || { tail -20 "$tmp/broker.log"; bad "exit status $rc after SIGTERM"; }
    bpid=""
fi
sleep 1
nlogs=0
for f in "$tmp"/vg.*; do
    [ -f "$f" ] || continue
    nlogs=$((nlogs + 1))
    if [ -s "$f" ]; then
        bad "memcheck report of pid ${f##*.}:"; head -60 "$f"
    fi
done
[ $nlogs -ge 4 ] && ok "$nlogs processes checked (master, worker, flusher, coordinator)" ||
    bad "only $nlogs valgrind logs"
grep -q "exited with status 99" "$tmp/broker.log" && { grep "exited with status 99" "$tmp/broker.log"; bad "a child found memcheck errors"; }
finish

#!/bin/sh
# The process model as an operator sees it: titles, respawn of a killed
# worker, clean SIGTERM shutdown, "kafscaled -t", daemon mode with a pid file.
. "${KS_SRCDIR:-.}/tests/e2e/lib.sh"

# expected_titles N: the sorted child titles of a broker with N workers
expected_titles() {
    { echo "kafscaled: coordinator"; echo "kafscaled: flusher"
      _i=1; while [ $_i -le "$1" ]; do echo "kafscaled: worker $_i"; _i=$((_i + 1)); done
    } | sort
}
child_titles() { ks_children "$1" | sed 's/^[0-9]* *//' | sort; }
# pid_of_child MASTER TITLE
pid_of_child() { ks_children "$1" | awk -v t="$2" '{ p = $1; sub(/^[0-9]+ +/, ""); if ($0 == t) print p }'; }

# --- 1. titles -------------------------------------------------------------
ks_broker_start p1 -o workers=3
M=$KS_BROKER_PID
[ "$(ks_title "$M")" = "kafscaled: master" ] ||
    ks_fail "master title is '$(ks_title "$M")', expected 'kafscaled: master'"
# children may still be starting right after the port opened
ks_wait_for 5 sh -c "[ \"\$(ps --ppid $M -o args= | sed 's/ *\$//' | sort)\" = \"$(expected_titles 3)\" ]" || {
    ks_children "$M" >&2
    ks_fail "children of the master are not exactly 3 workers, a flusher and a coordinator"
}
ks_pass "titles: master, worker 1..3, flusher, coordinator"

# --- 2. kill -9 worker 1 -> respawned within 1 s, service continues ------------
W1=$(pid_of_child "$M" "kafscaled: worker 1")
[ -n "$W1" ] || ks_fail "no 'kafscaled: worker 1' child"
kill -9 "$W1"
T0=$(date +%s%N)
new_w1() { _n=$(pid_of_child "$M" "kafscaled: worker 1"); [ -n "$_n" ] && [ "$_n" != "$W1" ]; }
ks_wait_for 1 new_w1 || {
    ks_children "$M" >&2
    ks_fail "no new 'kafscaled: worker 1' within 1 s of kill -9 of pid $W1"
}
W1B=$(pid_of_child "$M" "kafscaled: worker 1")
ks_pass "worker 1 respawned as pid $W1B after $(( ($(date +%s%N) - T0) / 1000000 )) ms"
[ "$(child_titles "$M")" = "$(expected_titles 3)" ] || {
    ks_children "$M" >&2; ks_fail "the set of children is not complete after the respawn"; }
ks_alive "$W1" && ks_fail "killed worker pid $W1 still exists"
i=1
while [ $i -le 10 ]; do
    ks_kcat -L >/dev/null 2>"$KS_TMP/kcat.err" ||
        { cat "$KS_TMP/kcat.err" >&2; ks_fail "kcat -L #$i failed after the respawn"; }
    i=$((i + 1))
done
ks_pass "10 new connections served after the respawn"
# the master says which worker died and of what
LINE=$(grep -E "master" "$KS_BROKER_LOG" | grep -E "worker( |\[)1\b|pid $W1\b|\b$W1\b" |
       grep -Ei "signal 9|SIGKILL|killed" | head -n 1)
[ -n "$LINE" ] || ks_fail "no master log line naming worker 1 / pid $W1 and signal 9 (SIGKILL)"
ks_pass "master logged: $LINE"

# --- 3. SIGTERM: exit 0 within 10 s, no children left --------------------------
ks_broker_stop "$M"
ks_pass "SIGTERM: master exited 0, no children left"
ps -eo pid=,ppid=,args= | awk -v m="$M" '$2 == m' | grep -q "kafscaled:" &&
    ks_fail "a kafscaled: process with parent $M still exists"

# --- 4. kafscaled -t -------------------------------------------------------------
mkdir -p "$KS_TMP/tdata"
GOOD=$KS_TMP/good.conf
cat >"$GOOD" <<EOF
# a good configuration
listeners = PLAINTEXT://127.0.0.1:$(ks_free_port)
data.dir = $KS_TMP/tdata

workers = 2
auto.create.topics.enable = true
num.partitions = 3
EOF
timeout 10 "$KAFSCALED" -t -c "$GOOD" >"$KS_TMP/t1.out" 2>&1
RC=$?
[ $RC -eq 0 ] || { cat "$KS_TMP/t1.out" >&2; ks_fail "kafscaled -t -c good.conf exited $RC, expected 0"; }
ks_pass "kafscaled -t accepts a good config"
BAD=$KS_TMP/bad.conf
cat >"$BAD" <<EOF
listeners = PLAINTEXT://127.0.0.1:$(ks_free_port)
data.dir = $KS_TMP/tdata
no.such.key.anywhere = 1
workers = 2
EOF
timeout 10 "$KAFSCALED" -t -c "$BAD" >"$KS_TMP/t2.out" 2>&1
RC=$?
cat "$KS_TMP/t2.out" >&2
[ $RC -eq 1 ] || ks_fail "kafscaled -t with an unknown key exited $RC, expected 1"
grep -F "$BAD:3:" "$KS_TMP/t2.out" | grep -qF "no.such.key.anywhere" ||
    ks_fail "kafscaled -t did not print '$BAD:3: ...no.such.key.anywhere...'"
ks_pass "kafscaled -t rejects an unknown key with FILE:LINE: and the key"

# --- 5. daemon mode ---------------------------------------------------------------
PIDFILE=$KS_TMP/kafscaled.pid
DPORT=$(ks_free_port)
mkdir -p "$KS_TMP/ddata"
KS_BROKER_LOG=$KS_TMP/daemon.log
KS_BROKER_LOGS="$KS_BROKER_LOGS $KS_BROKER_LOG"
timeout 10 "$KAFSCALED" -d -p "$PIDFILE" -o "listeners=PLAINTEXT://127.0.0.1:$DPORT" \
    -o "data.dir=$KS_TMP/ddata" -o ops.listen= -o workers=2 -o log.level=debug \
    </dev/null >>"$KS_BROKER_LOG" 2>&1
RC=$?
[ -s "$PIDFILE" ] && DPID=$(cat "$PIDFILE") && ks_track "$DPID"
[ $RC -eq 0 ] || ks_fail "kafscaled -d exited $RC, expected 0 (the daemon detaches)"
ks_wait_for 5 test -s "$PIDFILE" || ks_fail "no pid file $PIDFILE within 5 s"
DPID=$(cat "$PIDFILE"); ks_track "$DPID"
case $DPID in ''|*[!0-9]*) ks_fail "pid file holds '$DPID', not a pid" ;; esac
ks_alive "$DPID" || ks_fail "pid $DPID from the pid file is not running"
[ "$(ks_title "$DPID")" = "kafscaled: master" ] ||
    ks_fail "pid file names pid $DPID titled '$(ks_title "$DPID")', not the master"
ks_wait_broker_ready "$DPID" "$DPORT" 10 || ks_fail "daemon not serving on 127.0.0.1:$DPORT"
ks_wait_for 5 sh -c "[ \"\$(ps --ppid $DPID -o args= | sed 's/ *\$//' | sort)\" = \"$(expected_titles 2)\" ]" || {
    ks_children "$DPID" >&2; ks_fail "daemon master does not have 2 workers, a flusher and a coordinator"; }
ks_pass "daemon: pid file $DPID is the master, serving"
KIDS=$(ps --ppid "$DPID" -o pid=)
kill -TERM "$DPID"
ks_wait_for 10 sh -c "! kill -0 $DPID" || ks_fail "daemon pid $DPID still running 10 s after SIGTERM"
ks_wait_for 1 ks_none_left $KIDS || ks_fail "daemon children left: $(ks_leftover $KIDS)"
ks_wait_for 2 sh -c "[ ! -e '$PIDFILE' ]" || ks_fail "pid file $PIDFILE not removed at shutdown"
ks_pass "daemon: SIGTERM stopped master and children and removed the pid file"
# --- 6. user = (as root): every process runs as that user --------------------------
if [ "$(id -u)" = 0 ] && id nobody >/dev/null 2>&1; then
    chmod o+x "$KS_TMP"
    mkdir -p "$KS_TMP/u.data" && chown nobody "$KS_TMP/u.data"
    ks_broker_start u -o user=nobody
    UPID=$KS_BROKER_PID
    USERS=$( (ps -o user= -p "$UPID"; ps --ppid "$UPID" -o user=) | sort -u | tr '\n' ' ')
    [ "$USERS" = "nobody " ] || ks_fail "user=nobody: processes run as '$USERS'"
    seq 1 1000 | kcat -P -b "127.0.0.1:$KS_BROKER_PORT" -t usertopic -X acks=all 2>/dev/null
    N=$(timeout 20 kcat -C -b "127.0.0.1:$KS_BROKER_PORT" -t usertopic -o beginning -e -q 2>/dev/null | wc -l)
    [ "$N" = 1000 ] || ks_fail "user=nobody: consumed $N of 1000"
    [ "$(stat -c %U "$KS_TMP/u.data/meta")" = nobody ] || ks_fail "user=nobody: the metadata store is not nobody's"
    ks_broker_stop "$UPID"
    ks_pass "user=nobody: master and children run as nobody, 1000 messages produced and consumed"
    OUT=$(timeout 10 "$KAFSCALED" -o "listeners=PLAINTEXT://127.0.0.1:$(ks_free_port)" -o ops.listen= \
          -o "data.dir=$KS_TMP/u.data" -o user=ks-no-such-user </dev/null 2>&1)
    RC=$?
    [ $RC = 1 ] && echo "$OUT" | grep -q 'user = ks-no-such-user: no such user' ||
        ks_fail "user=ks-no-such-user: exit $RC, output: $OUT"
    mkdir -p "$KS_TMP/rootdata" && chmod 0700 "$KS_TMP/rootdata"
    OUT=$(timeout 10 "$KAFSCALED" -o "listeners=PLAINTEXT://127.0.0.1:$(ks_free_port)" -o ops.listen= \
          -o "data.dir=$KS_TMP/rootdata" -o user=nobody </dev/null 2>&1)
    RC=$?
    [ $RC = 1 ] && echo "$OUT" | grep -q 'is not writable by that user' ||
        ks_fail "user=nobody with root's data directory: exit $RC, output: $OUT"
    ks_pass "user=: an unknown user and a data directory the user cannot write are refused (exit 1)"
else
    ks_log "user=: not root (or no user nobody), not checked"
fi
echo PASS

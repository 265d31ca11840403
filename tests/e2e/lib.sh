# tests/e2e/lib.sh: helpers for the end-to-end shell tests (POSIX sh).
#
# Source it first thing in a test:
#     . "${KS_SRCDIR:-.}/tests/e2e/lib.sh"
# It creates $KS_TMP (removed on exit unless KS_KEEP_TMP=1), installs a trap
# that kills, by pid, every process the test started, and arms a watchdog
# (KS_TEST_TIMEOUT seconds, default 55) that fails the test if it hangs.
#
# Broker:  ks_broker_start NAME [-o key=value ...]   (see below)
#          ks_broker_stop [PID]                      (SIGTERM, asserts exit 0)
# etcd:    ks_etcd_start NAME / ks_etcd_stop
# Misc:    ks_free_port, ks_children PID, ks_title PID, ks_fail MSG,
#          ks_kcat ARGS..., ks_wait_for SECS CMD..., ks_track PID

set -u

KS_BUILDDIR=${KS_BUILDDIR:-$(pwd)}
KS_SRCDIR=${KS_SRCDIR:-$KS_BUILDDIR}
KAFSCALED=${KAFSCALED:-$KS_BUILDDIR/kafscaled}
KS_PY=/usr/bin/python3
KS_CHILD_PIDS=""      # those that are children of this shell
KS_PIDS=""            # every pid this test started (or adopted), killed on exit
KS_BROKER_LOGS=""     # logs printed by ks_fail
KS_BROKER_PID=""
KS_BROKER_PORT=""
KS_OPS_PORT=""
KS_BROKER_LOG=""
KS_WATCHDOG_PID=""
KS_TEST_NAME=$(basename "$0")

ks_log() { printf '%s: %s\n' "$KS_TEST_NAME" "$*" >&2; }

# ks_tmpdir: creates the test's private directory (once) and sets KS_TMP.
ks_tmpdir() {
    if [ -z "${KS_TMP:-}" ] || [ ! -d "$KS_TMP" ]; then
        KS_TMP=$(mktemp -d "${TMPDIR:-/tmp}/ks-e2e.XXXXXXXX") || exit 99
    fi
    export KS_TMP
}

# ks_track PID...: remember pids to kill on exit.
ks_track() { KS_PIDS="$KS_PIDS $*"; }

ks_alive() {
    # true if PID exists and is not a zombie
    _st=$(ps -o stat= -p "$1" 2>/dev/null) || return 1
    case $_st in Z*|"") return 1 ;; esac
    return 0
}

# ks_children PID: "pid args" of PID's direct children, one per line.
ks_children() { ps --ppid "$1" -o pid=,args= 2>/dev/null | sed 's/^ *//; s/ *$//'; }

# ks_title PID: the process title (ps args) of PID, trailing blanks removed.
ks_title() { ps -o args= -p "$1" 2>/dev/null | sed 's/ *$//'; }

ks_cleanup() {
    _rc=$?
    trap - EXIT INT TERM HUP
    if [ -n "$KS_WATCHDOG_PID" ]; then
        kill -TERM "$KS_WATCHDOG_PID" 2>/dev/null
    fi
    for _p in $KS_PIDS; do
        # children first: a master killed by -9 cannot take them down itself
        for _c in $(ps --ppid "$_p" -o pid= 2>/dev/null); do
            kill -9 "$_c" 2>/dev/null
        done
        kill -9 "$_p" 2>/dev/null
        kill -9 "-$_p" 2>/dev/null   # its process group (orphans included)
    done
    for _p in $KS_PIDS; do wait "$_p" 2>/dev/null; done
    if [ -n "${KS_TMP:-}" ] && [ "${KS_KEEP_TMP:-0}" != 1 ]; then
        rm -rf "$KS_TMP"
    elif [ -n "${KS_TMP:-}" ]; then
        ks_log "kept $KS_TMP"
    fi
    exit "$_rc"
}

# ks_print_logs: tail of every broker log of this test, on stderr.
ks_print_logs() {
    for _l in $KS_BROKER_LOGS; do
        [ -f "$_l" ] || continue
        printf '%s\n' "----- last lines of $_l -----" >&2
        tail -n "${KS_LOG_LINES:-60}" "$_l" >&2
        printf '%s\n' "----- end of $_l -----" >&2
    done
}

# ks_fail MSG: report, print the broker log tail, exit 1 (the trap cleans up).
ks_fail() {
    printf '%s: FAIL: %s\n' "$KS_TEST_NAME" "$*" >&2
    ks_print_logs
    exit 1
}

ks_pass() { printf '%s: ok: %s\n' "$KS_TEST_NAME" "$*"; }

# ks_watchdog SECS: fail the test (SIGTERM to this shell) after SECS seconds.
ks_watchdog() {
    if [ -n "$KS_WATCHDOG_PID" ]; then kill -TERM "$KS_WATCHDOG_PID" 2>/dev/null; fi
    (
        trap 'kill -TERM $_sp 2>/dev/null; exit 0' TERM
        sleep "$1" & _sp=$!
        wait $_sp
        printf '%s: FAIL: test did not finish within %s s\n' "$KS_TEST_NAME" "$1" >&2
        kill -TERM $$
    ) &
    KS_WATCHDOG_PID=$!
}

# ks_free_port: prints a loopback TCP port that was free a moment ago.
ks_free_port() {
    $KS_PY -c 'import socket
s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# ks_port_open PORT: true if 127.0.0.1:PORT accepts a connection (0.5 s max).
ks_port_open() {
    $KS_PY -c 'import socket, sys
s = socket.socket(); s.settimeout(0.5)
try:
    s.connect(("127.0.0.1", int(sys.argv[1])))
except OSError:
    sys.exit(1)' "$1"
}

# ks_wait_for SECS CMD...: runs CMD every 0.05 s until it succeeds; false
# if it never did within SECS seconds.
ks_wait_for() {
    _secs=$1; shift
    _end=$(( $(date +%s%N) / 1000000 + _secs * 1000 ))
    while :; do
        "$@" >/dev/null 2>&1 && return 0
        [ $(( $(date +%s%N) / 1000000 )) -ge "$_end" ] && return 1
        sleep 0.05
    done
}

# ks_kcat ARGS...: kcat against the current broker, bounded to 10 s.
ks_kcat() { timeout 10 kcat -b "127.0.0.1:$KS_BROKER_PORT" -m 5 "$@"; }

# ks_has_key KEY ARGS...: true if ARGS contain "-o KEY=..." (or -oKEY=...).
ks_has_key() {
    _k=$1; shift
    _prev=""
    for _a in "$@"; do
        case $_prev$_a in
            -o"$_k"=*) return 0 ;;
        esac
        if [ "$_a" = -o ]; then _prev=-o; else _prev=""; fi
    done
    return 1
}

# ks_broker_start NAME [ARGS...]
#   Starts $KAFSCALED in the background with listeners / data.dir / ops.listen
#   on free loopback ports, workers=2, log.level=debug, metadata.store=embedded,
#   object.store=file (any of those given as "-o key=value" in ARGS wins), and
#   stderr appended to $KS_TMP/NAME.log. The data dir is $KS_TMP/NAME.data, so
#   starting the same NAME again restarts on the same data. Exports
#   KS_BROKER_PID, KS_BROKER_PORT, KS_OPS_PORT, KS_BROKER_LOG, KS_BROKER_DATA.
#   Set KS_BROKER_PORT_WANTED to reuse a port. Waits (<= 10 s) until the port
#   accepts and "kcat -L" succeeds; fails the test (printing the log) if not.
ks_broker_start() {
    _name=$1; shift
    KS_BROKER_PORT=${KS_BROKER_PORT_WANTED:-$(ks_free_port)}
    KS_OPS_PORT=$(ks_free_port)
    KS_BROKER_LOG=$KS_TMP/$_name.log
    KS_BROKER_DATA=$KS_TMP/$_name.data
    mkdir -p "$KS_BROKER_DATA"
    case " $KS_BROKER_LOGS " in *" $KS_BROKER_LOG "*) ;; *) KS_BROKER_LOGS="$KS_BROKER_LOGS $KS_BROKER_LOG" ;; esac
    for _kv in "listeners=PLAINTEXT://127.0.0.1:$KS_BROKER_PORT" \
               "data.dir=$KS_BROKER_DATA" "ops.listen=127.0.0.1:$KS_OPS_PORT" \
               workers=2 log.level=debug metadata.store=embedded object.store=file; do
        ks_has_key "${_kv%%=*}" "$@" || set -- -o "$_kv" "$@"
    done
    printf '=== %s: %s' "$(date -u +%H:%M:%S.%N)" "$KAFSCALED" >>"$KS_BROKER_LOG"
    printf ' %s' "$@" >>"$KS_BROKER_LOG"; printf '\n' >>"$KS_BROKER_LOG"
    # setsid: the broker leads its own process group, so the cleanup can kill
    # children orphaned by a crashed master (setsid execs in place here)
    setsid "$KAFSCALED" "$@" </dev/null >>"$KS_BROKER_LOG" 2>&1 &
    KS_BROKER_PID=$!
    ks_track "$KS_BROKER_PID"
    KS_CHILD_PIDS="$KS_CHILD_PIDS $KS_BROKER_PID"
    export KS_BROKER_PID KS_BROKER_PORT KS_OPS_PORT KS_BROKER_LOG KS_BROKER_DATA
    echo "$KS_BROKER_PID" >"$KS_TMP/$_name.pid"
    echo "$KS_BROKER_PORT" >"$KS_TMP/$_name.port"
    ks_wait_broker_ready "$KS_BROKER_PID" "$KS_BROKER_PORT" 10 ||
        ks_fail "broker $_name (pid $KS_BROKER_PID) did not become ready on 127.0.0.1:$KS_BROKER_PORT within 10 s"
}

# ks_wait_broker_ready PID PORT SECS: port accepts and kcat -L succeeds.
ks_wait_broker_ready() {
    _pid=$1 _port=$2
    _end=$(( $(date +%s%N) / 1000000 + $3 * 1000 ))
    while :; do
        if ! ks_alive "$_pid"; then
            ks_log "broker pid $_pid exited during start-up"
            return 1
        fi
        if ks_port_open "$_port" &&
           timeout 3 kcat -L -b "127.0.0.1:$_port" -m 2 >/dev/null 2>&1; then
            return 0
        fi
        [ $(( $(date +%s%N) / 1000000 )) -ge "$_end" ] && return 1
        sleep 0.05
    done
}

# ks_exit_status PID: waits for our child PID (already exited) and prints its status.
ks_exit_status() { wait "$1"; echo $?; }

# ks_broker_stop [PID]: SIGTERM; asserts the master exits 0 within 10 s and
# that none of its children (taken before the signal) are left. A broker that
# was not our child (daemon mode) only has its disappearance checked.
ks_broker_stop() {
    _pid=${1:-$KS_BROKER_PID}
    _kids=$(ps --ppid "$_pid" -o pid= 2>/dev/null)
    kill -TERM "$_pid" 2>/dev/null || ks_fail "broker pid $_pid is not running at stop"
    if ! ks_wait_for 10 sh -c '! ps -o stat= -p '"$_pid"' | grep -qv "^Z"'; then
        for _c in $_kids; do kill -9 "$_c" 2>/dev/null; done
        kill -9 "$_pid" 2>/dev/null
        ks_fail "broker pid $_pid did not exit within 10 s of SIGTERM (killed with -9)"
    fi
    _rc=0
    case " $KS_CHILD_PIDS " in
        *" $_pid "*) wait "$_pid"; _rc=$? ;;
    esac
    [ "$_rc" -eq 0 ] || ks_fail "broker pid $_pid exited with status $_rc after SIGTERM, expected 0"
    # children are gone (allow 0.5 s for the last ones to be reaped)
    _left=""
    ks_wait_for 1 ks_none_left $_kids || _left=$(ks_leftover $_kids)
    if [ -n "$_left" ]; then
        for _c in $_kids; do kill -9 "$_c" 2>/dev/null; done
        ks_fail "children of broker pid $_pid still running after it exited: $_left"
    fi
}

# ks_leftover PIDS...: those of PIDS still alive with a "kafscaled:" title.
ks_leftover() {
    for _c in "$@"; do
        if ks_alive "$_c"; then
            case $(ks_title "$_c") in kafscaled:*) printf '%s(%s) ' "$_c" "$(ks_title "$_c")" ;; esac
        fi
    done
}
ks_none_left() { [ -z "$(ks_leftover "$@")" ]; }

# ---- etcd (Debian etcd-server 3.4) for later milestones -------------------
# ks_etcd_start NAME: starts etcd on free loopback ports with a data dir in
# $KS_TMP/NAME.etcd; exports KS_ETCD_PID, KS_ETCD_PORT, KS_ETCD_ENDPOINT
# (http://127.0.0.1:PORT); waits <= 10 s for /health.
ks_etcd_start() {
    _name=$1
    command -v etcd >/dev/null 2>&1 || { ks_log "SKIP: etcd not installed"; exit 77; }
    KS_ETCD_PORT=${KS_ETCD_PORT_WANTED:-$(ks_free_port)}
    _peer=$(ks_free_port)
    KS_ETCD_ENDPOINT=http://127.0.0.1:$KS_ETCD_PORT
    KS_ETCD_LOG=$KS_TMP/$_name.etcd.log
    KS_BROKER_LOGS="$KS_BROKER_LOGS $KS_ETCD_LOG"
    etcd --name "$_name" --data-dir "$KS_TMP/$_name.etcd" \
        --listen-client-urls "$KS_ETCD_ENDPOINT" --advertise-client-urls "$KS_ETCD_ENDPOINT" \
        --listen-peer-urls "http://127.0.0.1:$_peer" --initial-advertise-peer-urls "http://127.0.0.1:$_peer" \
        --initial-cluster "$_name=http://127.0.0.1:$_peer" --initial-cluster-state new \
        --heartbeat-interval 10 --election-timeout 100 --max-txn-ops 10000 --logger zap --log-level warn \
        </dev/null >>"$KS_ETCD_LOG" 2>&1 &
    KS_ETCD_PID=$!
    ks_track "$KS_ETCD_PID"
    export KS_ETCD_PID KS_ETCD_PORT KS_ETCD_ENDPOINT
    ks_wait_for 10 sh -c "curl -fsS --max-time 1 $KS_ETCD_ENDPOINT/health | grep -q '\"health\":\"true\"'" ||
        ks_fail "etcd $_name did not become healthy on $KS_ETCD_ENDPOINT within 10 s"
}

ks_etcd_stop() {
    kill -TERM "$KS_ETCD_PID" 2>/dev/null
    ks_wait_for 10 sh -c '! ps -o stat= -p '"$KS_ETCD_PID"' | grep -qv "^Z"' ||
        { kill -9 "$KS_ETCD_PID" 2>/dev/null; ks_fail "etcd did not stop within 10 s"; }
    wait "$KS_ETCD_PID" 2>/dev/null
}

# ---- set-up done on sourcing ---------------------------------------------
trap ks_cleanup EXIT
trap 'ks_print_logs; exit 143' TERM
trap 'exit 130' INT
trap 'exit 129' HUP
ks_tmpdir
ks_watchdog "${KS_TEST_TIMEOUT:-55}"
if [ ! -x "$KAFSCALED" ]; then
    ks_fail "$KAFSCALED not found or not executable (run make first)"
fi

#!/bin/sh
# test_metastore_etcd.sh: runs test_metastore_etcd against a real etcd 3.4
# on free loopback ports with a temporary data dir; the test stops,
# restarts, pauses and resumes it through "$0 ctl stop|start|pause|resume".
# Skips (77) without etcd.
#
# etcd runs with --max-txn-ops 10000: one ks_ms_txn is one etcd txn and
# the flusher's high watermark commits carry one put per partition
# (etcd's default limit is 128 operations).
srcdir=${KS_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}
builddir=${KS_BUILDDIR:-$srcdir}
ETCD=${ETCD:-etcd}

etcd_start() {
    d=$KS_ETCD_DIR
    # its own session: Check kills each test's process group at its end,
    # and an etcd restarted by a test must outlive it (setsid execs: $! is etcd)
    setsid "$ETCD" --name ks --data-dir "$d/data" \
        --listen-client-urls "http://127.0.0.1:$(cat "$d/cport")" \
        --advertise-client-urls "http://127.0.0.1:$(cat "$d/cport")" \
        --listen-peer-urls "http://127.0.0.1:$(cat "$d/pport")" \
        --initial-advertise-peer-urls "http://127.0.0.1:$(cat "$d/pport")" \
        --initial-cluster "ks=http://127.0.0.1:$(cat "$d/pport")" --initial-cluster-state new \
        --heartbeat-interval 10 --election-timeout 100 --max-txn-ops 10000 \
        --logger zap --log-level warn >>"$d/etcd.log" 2>&1 &
    echo $! >"$d/pid"
    i=0
    while [ $i -lt 200 ]; do
        if curl -fsS "http://127.0.0.1:$(cat "$d/cport")/health" 2>/dev/null | grep -q '"health":"true"'; then
            return 0
        fi
        if ! kill -0 "$(cat "$d/pid")" 2>/dev/null; then
            echo "etcd exited; log:" >&2; cat "$d/etcd.log" >&2; return 1
        fi
        sleep 0.05; i=$((i + 1))
    done
    echo "etcd did not become healthy in 10 s; log:" >&2; cat "$d/etcd.log" >&2
    return 1
}

etcd_stop() {
    pid=$(cat "$KS_ETCD_DIR/pid" 2>/dev/null) || return 0
    kill "$pid" 2>/dev/null; kill -CONT "$pid" 2>/dev/null
    i=0
    while kill -0 "$pid" 2>/dev/null && [ $i -lt 100 ]; do sleep 0.05; i=$((i + 1)); done
    kill -9 "$pid" 2>/dev/null
    rm -f "$KS_ETCD_DIR/pid"
    return 0
}

free_port() {
    /usr/bin/python3 -c 'import socket
s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

if [ "$1" = ctl ]; then
    case $2 in
    start) etcd_start ;;
    stop) etcd_stop ;;
    pause) kill -STOP "$(cat "$KS_ETCD_DIR/pid")" ;;
    resume) kill -CONT "$(cat "$KS_ETCD_DIR/pid")" ;;
    *) echo "usage: $0 ctl start|stop|pause|resume" >&2; exit 2 ;;
    esac
    exit $?
fi

if ! command -v "$ETCD" >/dev/null 2>&1; then
    echo "etcd not installed: skipped"
    exit 77
fi
KS_ETCD_DIR=$(mktemp -d /tmp/ks-etcd.XXXXXX) || exit 1
export KS_ETCD_DIR
trap 'etcd_stop; rm -rf "$KS_ETCD_DIR"' EXIT
trap 'exit 1' INT TERM
free_port >"$KS_ETCD_DIR/cport"
free_port >"$KS_ETCD_DIR/pport"
etcd_start || exit 1
KS_ETCD_ENDPOINTS=127.0.0.1:$(cat "$KS_ETCD_DIR/cport")
KS_ETCD_CTL="sh $(cd "$(dirname "$0")" && pwd)/$(basename "$0") ctl"
export KS_ETCD_ENDPOINTS KS_ETCD_CTL
timeout 600 "$builddir/tests/unit/test_metastore_etcd"

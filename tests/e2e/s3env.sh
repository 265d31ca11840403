# s3env.sh: start and stop a fake S3 (s3rver) behind the Signature V4
# verifying proxy (s3proxy.py), for tests.  Source it, then:
#
#   ks_s3_start DIR     starts both on free loopback ports, with data and
#                       logs under DIR; waits until they answer (bounded);
#                       exports KS_S3_ENDPOINT=http://127.0.0.1:PORT (the
#                       proxy), KS_S3_DIRECT=http://127.0.0.1:PORT2 (s3rver),
#                       KS_S3_BUCKET=kafscale, KS_S3_ACCESS_KEY/SECRET_KEY
#                       (S3RVER/S3RVER), KS_S3_PIDS; returns 77 if s3rver
#                       is not installed (cd tests/e2e && npm ci), 1 on failure
#   ks_s3_stop          kills them by pid and waits for them
#
# Needs: node/npm with tests/e2e/node_modules, /usr/bin/python3, curl.

_ks_s3_here=$(cd "$(dirname "${BASH_SOURCE[0]:-$0}")" && pwd)

ks_free_port() {
    /usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'
}

ks_s3_start() {
    local dir=$1 s3port proxyport i s3rver
    s3rver="$_ks_s3_here/node_modules/.bin/s3rver"
    if [ ! -x "$s3rver" ]; then
        echo "s3env: s3rver not installed (run: cd $_ks_s3_here && npm ci)" >&2
        return 77
    fi
    mkdir -p "$dir/s3data" || return 1
    s3port=$(ks_free_port)
    NODE_OPTIONS=--openssl-legacy-provider "$s3rver" -d "$dir/s3data" -a 127.0.0.1 -p "$s3port" \
        --no-vhost-buckets -s --configure-bucket kafscale >"$dir/s3rver.log" 2>&1 &
    KS_S3_RVER_PID=$!
    rm -f "$dir/s3proxy.port"
    /usr/bin/python3 "$_ks_s3_here/s3proxy.py" --listen 127.0.0.1:0 --upstream "127.0.0.1:$s3port" \
        --access-key S3RVER --secret S3RVER --port-file "$dir/s3proxy.port" >"$dir/s3proxy.log" 2>&1 &
    KS_S3_PROXY_PID=$!
    KS_S3_PIDS="$KS_S3_RVER_PID $KS_S3_PROXY_PID"
    export KS_S3_PIDS KS_S3_RVER_PID KS_S3_PROXY_PID
    # bounded wait: 15 s for both
    for i in $(seq 1 300); do
        if [ -s "$dir/s3proxy.port" ] &&
           curl -s -o /dev/null --max-time 1 "http://127.0.0.1:$s3port/" 2>/dev/null; then
            break
        fi
        if ! kill -0 "$KS_S3_RVER_PID" 2>/dev/null || ! kill -0 "$KS_S3_PROXY_PID" 2>/dev/null; then
            echo "s3env: s3rver or s3proxy exited early" >&2
            cat "$dir/s3rver.log" "$dir/s3proxy.log" >&2
            ks_s3_stop
            return 1
        fi
        sleep 0.05
    done
    if [ ! -s "$dir/s3proxy.port" ]; then
        echo "s3env: s3rver/s3proxy not ready after 15 s" >&2
        cat "$dir/s3rver.log" "$dir/s3proxy.log" >&2
        ks_s3_stop
        return 1
    fi
    proxyport=$(cat "$dir/s3proxy.port")
    export KS_S3_ENDPOINT="http://127.0.0.1:$proxyport"
    export KS_S3_DIRECT="http://127.0.0.1:$s3port"
    export KS_S3_BUCKET=kafscale KS_S3_ACCESS_KEY=S3RVER KS_S3_SECRET_KEY=S3RVER KS_S3_REGION=us-east-1
    return 0
}

ks_s3_stop() {
    local pid
    for pid in $KS_S3_PIDS; do
        kill "$pid" 2>/dev/null
    done
    for pid in $KS_S3_PIDS; do
        # bounded: SIGKILL after ~3 s
        for _ in $(seq 1 60); do
            kill -0 "$pid" 2>/dev/null || break
            sleep 0.05
        done
        kill -9 "$pid" 2>/dev/null
        wait "$pid" 2>/dev/null
    done
    KS_S3_PIDS=
}

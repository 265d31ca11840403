#!/bin/sh
# test_data_s3.sh: the data path with object.store=s3 against s3rver behind
# the Signature V4 verifying proxy (s3env.sh).
#
# - produce 100,000 x 100-byte messages (4 partitions, acks=all, codec none,
#   ack log), read them back and verify each byte for byte;
# - the objects in the bucket (read from s3rver's data directory) follow
#   default/<topic>/<partition>/segment-<20 digits>.kfs + .index, and an
#   independent Python parser of the original KafScale format (checklib.py)
#   checks every header, footer, body CRC32C, batch CRC32C, index entry, that
#   the segments of each partition cover offsets 0..n-1 contiguously, and
#   every record byte for byte; nothing went to the local file store;
# - SIGTERM, start again (a new ring: everything now comes from S3), read
#   all 100,000 again, each at its acknowledged offset;
# - the proxy refused no request (no signature or payload-hash failure).
# s3env.sh needs bash
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
: "${KS_TEST_TIMEOUT:=240}"
. "${KS_SRCDIR:-.}/tests/e2e/lib.sh"
. "$KS_SRCDIR/tests/e2e/s3env.sh"

RDK=$KS_BUILDDIR/tests/e2e/rdkafka_check
[ -x "$RDK" ] || { ks_log "SKIP: $RDK not built (librdkafka-dev missing?)"; exit 77; }
# private copies: a rebuild while the test runs must not change (or remove)
# the binaries between the broker's restarts
cp "$RDK" "$KS_TMP/rdkafka_check" && RDK=$KS_TMP/rdkafka_check &&
    cp "$KAFSCALED" "$KS_TMP/kafscaled" && KAFSCALED=$KS_TMP/kafscaled ||
    ks_fail "could not copy the binaries into $KS_TMP"
N=100000
P=4

ks_s3_start "$KS_TMP/s3"
rc=$?
[ $rc -eq 77 ] && { ks_log "SKIP: s3rver not installed"; exit 77; }
[ $rc -eq 0 ] || ks_fail "could not start s3rver and the SigV4 proxy"
ks_track $KS_S3_PIDS
KS_BROKER_LOGS="$KS_BROKER_LOGS $KS_TMP/s3/s3proxy.log"

start() {
    ks_broker_start s3 -o num.partitions=$P -o log.level=info -o object.store=s3 \
        -o s3.endpoint="$KS_S3_ENDPOINT" -o s3.bucket=kafscale -o s3.access.key=S3RVER \
        -o s3.secret.key=S3RVER -o s3.region=us-east-1 -o s3.path.style=true
    B=127.0.0.1:$KS_BROKER_PORT
}
start

"$RDK" produce -b "$B" -t s3data -n $N -p $P -a all --ack-log "$KS_TMP/ack" --timeout 90 --quiet ||
    ks_fail "produce of $N messages to the s3-backed broker failed (status $?)"
"$RDK" consume -b "$B" -t s3data -n $N -p $P --timeout 90 --quiet ||
    ks_fail "the $N messages do not read back intact"
ks_pass "$N messages produced with acks=all and read back intact (object.store=s3)"

root=$KS_TMP/s3/s3data/kafscale
[ -d "$root/default/s3data" ] || ks_fail "no objects under default/s3data/ in the bucket ($(ls -R "$root" 2>/dev/null | head -5))"
$KS_PY "$KS_SRCDIR/tests/e2e/checklib.py" segments --s3rver-root "$root" --namespace default \
    --topic s3data --partitions $P --count $N --size 100 ||
    ks_fail "the segments in the bucket do not pass the independent format check"
ks_pass "bucket layout default/s3data/<p>/segment-<20 digits>.kfs|.index, CRCs, index and records check out"
if [ -d "$KS_BROKER_DATA/objects" ] && [ -n "$(find "$KS_BROKER_DATA/objects" -name '*.kfs' | head -1)" ]; then
    ks_fail "segments were written to the local file store although object.store=s3"
fi

ks_broker_stop
start
"$RDK" consume -b "$B" -t s3data -n $N -p $P --timeout 90 --quiet ||
    ks_fail "after a restart, the $N messages do not read back intact from S3"
"$RDK" consume -b "$B" -t s3data -n $N -p $P --timeout 90 --quiet --verify-ack-log "$KS_TMP/ack" ||
    ks_fail "after a restart, acknowledged messages are not at their acknowledged offsets"
ks_pass "after a restart: all $N messages read back from S3 at their acknowledged offsets"
ks_broker_stop

refused=$(grep -c 'refused' "$KS_TMP/s3/s3proxy.log")
[ "$refused" -eq 0 ] || { grep 'refused' "$KS_TMP/s3/s3proxy.log" | head -5 >&2
    ks_fail "the SigV4 proxy refused $refused requests"; }
ks_pass "the SigV4 proxy refused no request"
ks_s3_stop

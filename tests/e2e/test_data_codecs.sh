#!/bin/sh
# test_data_codecs.sh: the data path (produce -> ring -> flusher -> file
# object store -> fetch) with every compression codec, checked by a reader.
#
# - rdkafka_check (librdkafka): for each codec none, gzip, snappy, lz4, zstd
#   produce 200,000 x 100-byte messages over 8 partitions with acks=all,
#   then read them all back from the beginning and verify each one byte for
#   byte (key, 2 headers, value + its CRC32), per-partition order, contiguous
#   offsets, no duplicates, none missing, nothing extra;
# - acks=1 and acks=0 (100,000 each, lz4) and the idempotent producer
#   (200,000, lz4, acks=all), read back and verified the same way;
# - one run of 1,000,000 x 100-byte messages (lz4, 8 partitions, acks=all):
#   librdkafka does this in seconds, so it stays in the default test run;
# - the segments written for the codec "none" topic are parsed by an
#   independent Python reader (checklib.py: KAFS header/footer, CRC32C,
#   index, offsets 0..n-1 contiguous, every record byte for byte);
# - kcat: 1,000 lines with keys (-K:) and two headers (-H) gzip-compressed,
#   read back with kcat -C -e -f '%k %h %s\n' and compared line for line.
# Throughput is printed (msgs/s, MB/s of values, delivery latency p50/p99).
: "${KS_TEST_TIMEOUT:=300}"
. "${KS_SRCDIR:-.}/tests/e2e/lib.sh"

RDK=$KS_BUILDDIR/tests/e2e/rdkafka_check
[ -x "$RDK" ] || { ks_log "SKIP: $RDK not built (librdkafka-dev missing?)"; exit 77; }
# private copies: a rebuild while the test runs must not change (or remove)
# the binaries between the broker's restarts
cp "$RDK" "$KS_TMP/rdkafka_check" && RDK=$KS_TMP/rdkafka_check &&
    cp "$KAFSCALED" "$KS_TMP/kafscaled" && KAFSCALED=$KS_TMP/kafscaled ||
    ks_fail "could not copy the binaries into $KS_TMP"

ks_broker_start codecs -o num.partitions=8 -o log.level=info
B=127.0.0.1:$KS_BROKER_PORT

run() {  # run DESCRIPTION CMD...: runs CMD, its output goes to our stdout
    _d=$1; shift
    "$@" || ks_fail "$_d: rdkafka_check exited with status $? ($*)"
}

for z in none gzip snappy lz4 zstd; do
    run "codec $z" "$RDK" both -b "$B" -t "codec-$z" -n 200000 -p 8 -s 100 -z "$z" -a all \
        --timeout 90 --quiet
    ks_pass "codec $z: 200,000 messages produced with acks=all and read back intact"
done

# acks=1 and acks=0 (no later append: the background flush must make the
# acks=0 data readable), and the idempotent producer (InitProducerId,
# producer id/epoch/sequence in the batches)
run "acks=1" "$RDK" both -b "$B" -t acks1 -n 100000 -p 8 -s 100 -z lz4 -a 1 --timeout 60 --quiet
run "acks=0" "$RDK" both -b "$B" -t acks0 -n 100000 -p 8 -s 100 -z lz4 -a 0 --timeout 60 --quiet
ks_pass "acks=1 and acks=0: 100,000 messages each read back intact"
run "idempotent" "$RDK" both -b "$B" -t idempotent -n 200000 -p 8 -s 100 -z lz4 --idempotent \
    --timeout 60 --quiet
ks_pass "idempotent producer: 200,000 messages read back intact"

run "1M lz4" "$RDK" both -b "$B" -t big-lz4 -n 1000000 -p 8 -s 100 -z lz4 -a all \
    --timeout 150 --quiet
ks_pass "1,000,000 messages (lz4, 8 partitions) produced and read back intact"

# the stored segments of the uncompressed topic, read without the broker
$KS_PY "$KS_SRCDIR/tests/e2e/checklib.py" segments --file-root "$KS_BROKER_DATA/objects" \
    --namespace default --topic codec-none --partitions 8 --count 200000 --size 100 ||
    ks_fail "segments of codec-none do not pass the independent format check"
ks_pass "segments of codec-none: KAFS format, CRC32C, index, contiguous offsets, records intact"

# kcat: keys, headers, gzip
N=1000
i=0
: >"$KS_TMP/kcat.in"
while [ $i -lt $N ]; do
    printf 'key-%d:value %d with some text\n' $i $i >>"$KS_TMP/kcat.in"
    i=$((i + 1))
done
timeout 30 kcat -P -b "$B" -t kcat-gzip -p 0 -K: -H h1=one -H h2=two -z gzip \
    -X request.required.acks=all -l "$KS_TMP/kcat.in" ||
    ks_fail "kcat -P -z gzip exited with status $?"
sed 's/^\([^:]*\):\(.*\)$/\1 h1=one,h2=two \2/' "$KS_TMP/kcat.in" >"$KS_TMP/kcat.want"
timeout 30 kcat -C -b "$B" -t kcat-gzip -p 0 -o beginning -e -q -f '%k %h %s\n' \
    >"$KS_TMP/kcat.got" || ks_fail "kcat -C exited with status $?"
if ! cmp -s "$KS_TMP/kcat.want" "$KS_TMP/kcat.got"; then
    diff "$KS_TMP/kcat.want" "$KS_TMP/kcat.got" | head -10 >&2
    ks_fail "kcat read back $(wc -l <"$KS_TMP/kcat.got") lines, differing from the $N produced (diff above)"
fi
ks_pass "kcat: $N gzip messages with keys and headers read back identical"

ks_broker_stop
ks_pass "broker stopped cleanly"

#!/bin/sh
# kcat -L against kafscaled: the broker list, the features librdkafka turns
# on from ApiVersions, and topic auto-creation through Metadata.
. "${KS_SRCDIR:-.}/tests/e2e/lib.sh"

FAILS=""
check() {  # check "what" CMD...: records a failure, keeps going
    _what=$1; shift
    if "$@"; then ks_pass "$_what"; else FAILS="$FAILS
  - $_what"; ks_log "FAIL: $_what"; fi
}

# json_get EXPR FILE: evaluates a python expression on the JSON in FILE (as j)
json_get() { $KS_PY -c 'import json, sys
j = json.load(open(sys.argv[2]))
print(eval(sys.argv[1]))' "$1" "$2"; }

ks_broker_start b1 -o auto.create.topics.enable=true -o num.partitions=3

# --- 1. the broker list --------------------------------------------------
ks_kcat -L -J >"$KS_TMP/md.json" 2>"$KS_TMP/md.err" ||
    { cat "$KS_TMP/md.err" >&2; ks_fail "kcat -L -J failed"; }
check "kcat -L lists exactly one broker, id 0 at 127.0.0.1:$KS_BROKER_PORT" \
    [ "$(json_get '[(b["id"], b["name"]) for b in j["brokers"]]' "$KS_TMP/md.json")" = \
      "[(0, '127.0.0.1:$KS_BROKER_PORT')]" ]
check "metadata answered by broker 0" \
    [ "$(json_get 'j["originating_broker"]["id"]' "$KS_TMP/md.json")" = 0 ]
check "controller id is 0" [ "$(json_get 'j["controllerid"]' "$KS_TMP/md.json")" = 0 ]
ks_kcat -L >"$KS_TMP/md.txt" 2>&1
check "plain kcat -L prints 'broker 0 at 127.0.0.1:$KS_BROKER_PORT'" \
    grep -q "^  broker 0 at 127.0.0.1:$KS_BROKER_PORT\b" "$KS_TMP/md.txt"
check "plain kcat -L prints a topic count line" grep -Eq '^ [0-9]+ topics:$' "$KS_TMP/md.txt"

# --- 2. librdkafka features ----------------------------------------------
# librdkafka 2.0.2 turns each feature on when the broker advertises certain
# API versions (rdkafka_feature.c).  A feature may be off only while one of
# the APIs it needs is not offered at all (its issue has not landed yet);
# an API that is offered with a range too narrow for the feature is a bug.
ks_kcat -L -X debug=feature >/dev/null 2>"$KS_TMP/feature.log"
grep -E 'Enabling feature|Disabling feature|Updated enabled protocol features' "$KS_TMP/feature.log" |
    sed 's/^.*: //' | sort -u >"$KS_TMP/features.txt"
ks_log "librdkafka feature lines:"
sed 's/^/    /' "$KS_TMP/features.txt" >&2
# advertised API keys, from librdkafka's dump of the broker's table
grep -Eo 'ApiKey [A-Za-z]+ \([0-9]+\) Versions [0-9]+\.\.[0-9]+' "$KS_TMP/feature.log" |
    sed -E 's/ApiKey [A-Za-z]+ \(([0-9]+)\) Versions ([0-9]+)\.\.([0-9]+)/\1 \2 \3/' | sort -un >"$KS_TMP/apis.txt"
# feature: needed "key:min:max" (the range the feature needs inside the advertised one)
while read -r f deps; do
    offered=yes
    for d in $deps; do
        k=${d%%:*}
        grep -q "^$k " "$KS_TMP/apis.txt" || offered=no
    done
    if [ "$offered" = yes ]; then
        for d in $deps; do
            k=${d%%:*}; r=${d#*:}; lo=${r%%:*}; hi=${r#*:}
            check "feature $f: API $k advertised over $lo..$hi" \
                awk -v k="$k" -v lo="$lo" -v hi="$hi" '$1 == k && $2 <= lo && $3 >= hi { ok = 1 } END { exit !ok }' "$KS_TMP/apis.txt"
        done
        check "librdkafka enables feature $f" grep -qx "Enabling feature $f" "$KS_TMP/features.txt"
    else
        ks_log "pending: feature $f needs APIs not offered yet ($deps)"
    fi
done <<'EOF_FEATURES'
ApiVersion 18:0:0
MsgVer1 0:2:2 1:2:2
MsgVer2 0:3:3 1:4:4
ThrottleTime 0:1:2 1:1:2
BrokerBalancedConsumer 10:0:0 8:1:2 9:1:1 11:0:0 14:0:0 12:0:0 13:0:0
BrokerGroupCoordinator 10:0:0
LZ4 10:0:0
OffsetTime 2:1:1
IdempotentProducer 22:0:0
ZSTD 0:7:7 1:10:10
Sasl 11:0:0
SaslHandshake 17:0:0
SaslAuthReq 17:1:1 36:0:0
EOF_FEATURES
check "librdkafka offers the data path (Produce, Fetch, ListOffsets)" \
    sh -c "grep -q '^0 0 ' '$KS_TMP/apis.txt' && grep -q '^1 0 ' '$KS_TMP/apis.txt' && grep -q '^2 0 ' '$KS_TMP/apis.txt'"
ks_log "advertised API versions as librdkafka saw them:"
grep -E 'ApiKey .* Versions|ApiVersionRequest' "$KS_TMP/feature.log" | sed 's/^.*: /    /' >&2
check "librdkafka's first ApiVersions request (v3) was accepted, no fallback" \
    sh -c "! grep -Eq 'ApiVersionRequest v[0-9]+ failed' '$KS_TMP/feature.log'"
check "librdkafka printed the broker's API table" grep -q 'ApiKey Metadata (3) Versions 0\.\.' "$KS_TMP/feature.log"

# --- 3. auto-creation on (num.partitions=3) -------------------------------
ks_kcat -L -J -t newtopic >"$KS_TMP/auto1.json" 2>"$KS_TMP/auto1.err"
# Kafka may answer the creating request with LEADER_NOT_AVAILABLE; the next
# Metadata must show the topic. Ask without auto-creation so it is not created here.
ks_wait_for 5 sh -c "timeout 10 kcat -b 127.0.0.1:$KS_BROKER_PORT -m 5 -L -J -t newtopic \
    -X allow.auto.create.topics=false >'$KS_TMP/auto2.json' 2>/dev/null &&
    $KS_PY -c 'import json,sys; t=json.load(open(sys.argv[1]))[\"topics\"][0]; sys.exit(\"error\" in t)' '$KS_TMP/auto2.json'"
check "kcat -L -t newtopic auto-created newtopic without error" \
    [ "$(json_get '[(t["topic"], t.get("error")) for t in j["topics"]]' "$KS_TMP/auto2.json")" = "[('newtopic', None)]" ]
check "newtopic has num.partitions=3 partitions 0,1,2 led by broker 0" \
    [ "$(json_get '[(p["partition"], p["leader"], [r["id"] for r in p["replicas"]], [r["id"] for r in p["isrs"]]) for p in j["topics"][0]["partitions"]]' "$KS_TMP/auto2.json")" = \
      "[(0, 0, [0], [0]), (1, 0, [0], [0]), (2, 0, [0], [0])]" ]
ks_kcat -L -J >"$KS_TMP/all.json" 2>/dev/null
check "the full listing now contains newtopic" \
    [ "$(json_get '[t["topic"] for t in j["topics"] if t["topic"] == "newtopic"]' "$KS_TMP/all.json")" = "['newtopic']" ]

# the client decides too: allow.auto.create.topics=false must not create
ks_kcat -L -J -t clientsaysno -X allow.auto.create.topics=false >"$KS_TMP/no.json" 2>/dev/null
ks_kcat -L -J >"$KS_TMP/all2.json" 2>/dev/null
check "a client that disallows auto-creation gets clientsaysno unknown" \
    [ "$(json_get 'j["topics"][0].get("error")' "$KS_TMP/no.json")" = "Broker: Unknown topic or partition" ]
check "and the topic was not created" \
    [ "$(json_get '[t["topic"] for t in j["topics"] if t["topic"] == "clientsaysno"]' "$KS_TMP/all2.json")" = "[]" ]

ks_broker_stop

# --- 4. auto-creation off ---------------------------------------------------
ks_broker_start b2 -o auto.create.topics.enable=false -o num.partitions=3
ks_kcat -L -J -t offtopic >"$KS_TMP/off.json" 2>/dev/null
check "with auto.create.topics.enable=false, kcat -L -t offtopic reports Unknown topic or partition" \
    [ "$(json_get '[(t["topic"], t.get("error"), len(t["partitions"])) for t in j["topics"]]' "$KS_TMP/off.json")" = \
      "[('offtopic', 'Broker: Unknown topic or partition', 0)]" ]
ks_kcat -L -J >"$KS_TMP/off-all.json" 2>/dev/null
check "and offtopic does not exist afterwards" \
    [ "$(json_get '[t["topic"] for t in j["topics"] if t["topic"] == "offtopic"]' "$KS_TMP/off-all.json")" = "[]" ]
ks_broker_stop

if [ -n "$FAILS" ]; then
    ks_fail "failed checks:$FAILS"
fi
echo PASS

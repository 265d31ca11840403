#!/bin/sh
# kafscalectl against a running broker: status, topics list/describe,
# groups, lag, metrics show what kcat produced and consumed; -j gives JSON;
# exit codes: 1 for an unreachable endpoint or an unknown topic (with a
# clear message), 2 for usage errors.  The commands that change the cluster
# (Kafka protocol, -b): topics create/alter/delete, partitions add, groups
# reset-offsets (earliest, latest, timestamp, dry run) and delete, checked
# through describe/lag; Kafka errors (unknown topic, group with members)
# give exit 1 and name the error.  With etcd as the metadata store:
# /readyz and `kafscalectl status` turn not-ready while etcd is down and
# ready again when it is back.
KS_TEST_TIMEOUT=${KS_TEST_TIMEOUT:-180}
. "${KS_SRCDIR:-.}/tests/e2e/lib.sh"

CTL=${KAFSCALECTL:-$KS_BUILDDIR/kafscalectl}
FAILS=""
check() {  # check "what" CMD...: records a failure, keeps going
    _what=$1; shift
    if "$@"; then ks_pass "$_what"; else FAILS="$FAILS
  - $_what"; ks_log "FAIL: $_what"; fi
}
json_get() { $KS_PY -c 'import json, sys
j = json.load(open(sys.argv[2]))
print(eval(sys.argv[1]))' "$1" "$2"; }
ctl() { timeout 20 "$CTL" -s "127.0.0.1:$KS_OPS_PORT" "$@"; }
ctlb() { timeout 40 "$CTL" -s "127.0.0.1:$KS_OPS_PORT" -b "127.0.0.1:$KS_BROKER_PORT" "$@"; }
# ctl_wait SECS REGEX CTL-ARGS...: until the output of kafscalectl matches
ctl_wait() {
    _s=$1 _re=$2; shift 2
    ks_wait_for "$_s" sh -c '"$0" -s "127.0.0.1:$1" "$@" 2>/dev/null | grep -Eq "$2"' \
        "$CTL" "$KS_OPS_PORT" "$_re" "$@"
}

[ -x "$CTL" ] || ks_fail "no kafscalectl at $CTL"

# --- usage ------------------------------------------------------------------
"$CTL" --help >"$KS_TMP/help" 2>&1
check "--help exits 0 and lists the commands" \
    sh -c '[ $? -eq 0 ] && grep -q "topics describe NAME" "$1"' _ "$KS_TMP/help"
check "--help lists the write commands and -b" \
    sh -c 'grep -q "groups reset-offsets NAME --topic TOPIC" "$1" && grep -q "partitions add NAME --count N" "$1" &&
           grep -q "^  -b, --bootstrap HOST:PORT" "$1"' _ "$KS_TMP/help"
"$CTL" groups reset-offsets g --topic t >/dev/null 2>"$KS_TMP/bad"; rc=$?
check "reset-offsets without --to-*: exit 2 (got $rc)" [ "$rc" -eq 2 ]
check "reset-offsets without --to-*: says what is missing" grep -q "needs one of --to-earliest" "$KS_TMP/bad"
"$CTL" topics create t --partitions abc >/dev/null 2>&1; rc=$?
check "topics create --partitions abc: exit 2 (got $rc)" [ "$rc" -eq 2 ]
"$CTL" topics alter t >/dev/null 2>&1; rc=$?
check "topics alter without a change: exit 2 (got $rc)" [ "$rc" -eq 2 ]
"$CTL" topics delete t --count 3 >/dev/null 2>&1; rc=$?
check "an option of another command: exit 2 (got $rc)" [ "$rc" -eq 2 ]
"$CTL" -b nohost topics delete t >/dev/null 2>&1; rc=$?
check "-b without a port: exit 2 (got $rc)" [ "$rc" -eq 2 ]
"$CTL" >/dev/null 2>&1; rc=$?
check "no command: exit 2 (got $rc)" [ "$rc" -eq 2 ]
"$CTL" frobnicate >/dev/null 2>"$KS_TMP/bad"; rc=$?
check "unknown command: exit 2 (got $rc)" [ "$rc" -eq 2 ]
check "unknown command: says so" grep -q "unknown command" "$KS_TMP/bad"
"$CTL" --bogus status >/dev/null 2>&1; rc=$?
check "unknown option: exit 2 (got $rc)" [ "$rc" -eq 2 ]

# --- wrong address ----------------------------------------------------------
DEAD=$(ks_free_port)
timeout 20 "$CTL" -s "127.0.0.1:$DEAD" status >"$KS_TMP/dead.out" 2>"$KS_TMP/dead.err"; rc=$?
check "unreachable endpoint: exit 1 (got $rc)" [ "$rc" -eq 1 ]
check "unreachable endpoint: a clear message" \
    grep -q "cannot reach the ops endpoint at 127.0.0.1:$DEAD" "$KS_TMP/dead.err"
check "unreachable endpoint: nothing on stdout" [ ! -s "$KS_TMP/dead.out" ]
KAFSCALE_OPS_ADDR="127.0.0.1:$DEAD" timeout 20 "$CTL" topics list >/dev/null 2>"$KS_TMP/dead2.err"; rc=$?
check "KAFSCALE_OPS_ADDR is used (exit 1, names the address)" \
    sh -c '[ "$1" -eq 1 ] && grep -q "127.0.0.1:$2" "$3"' _ "$rc" "$DEAD" "$KS_TMP/dead2.err"
timeout 20 "$CTL" -b "127.0.0.1:$DEAD" topics delete x >"$KS_TMP/deadb.out" 2>"$KS_TMP/deadb.err"; rc=$?
check "unreachable broker: exit 1 (got $rc), a clear message, nothing on stdout" \
    sh -c '[ "$1" -eq 1 ] && grep -q "cannot reach the broker at 127.0.0.1:$2" "$3" && [ ! -s "$4" ]' \
    _ "$rc" "$DEAD" "$KS_TMP/deadb.err" "$KS_TMP/deadb.out"
KAFSCALE_BOOTSTRAP="127.0.0.1:$DEAD" timeout 20 "$CTL" groups delete x >/dev/null 2>"$KS_TMP/deadb2.err"; rc=$?
check "KAFSCALE_BOOTSTRAP is used (exit 1, names the address)" \
    sh -c '[ "$1" -eq 1 ] && grep -q "127.0.0.1:$2" "$3"' _ "$rc" "$DEAD" "$KS_TMP/deadb2.err"

# --- against a broker -------------------------------------------------------
ks_broker_start b1 -o flush.interval.ms=20 -o num.partitions=2

seq 1 500 | sed 's/^/message-/' | ks_kcat -P -t ctltopic -p 0 || ks_fail "kcat produce to partition 0 failed"
seq 1 250 | sed 's/^/message-/' | ks_kcat -P -t ctltopic -p 1 || ks_fail "kcat produce to partition 1 failed"
n=$(timeout 30 kcat -b "127.0.0.1:$KS_BROKER_PORT" -G ctlgroup ctltopic -o beginning -e -q \
    -X enable.auto.commit=true -X auto.commit.interval.ms=100 2>"$KS_TMP/consume.err" | wc -l)
check "kcat consumed 750 messages in group ctlgroup (got $n)" [ "$n" -eq 750 ]

ctl status >"$KS_TMP/status" 2>&1; rc=$?
check "status: exit 0 (got $rc)" [ "$rc" -eq 0 ]
check "status: version and ready" grep -Eq "^KafScale [0-9.]+ .* ready$" "$KS_TMP/status"
check "status: both stores ok" grep -q "metadata store: embedded (ok)  object store: file (ok)" "$KS_TMP/status"
check "status: process table with 2 running workers" \
    [ "$(grep -Ec '^worker [12] +[0-9]+ +running' "$KS_TMP/status")" -eq 2 ]
check "status: coordinator and flusher running" \
    sh -c 'grep -Eq "^coordinator +[0-9]+ +running" "$1" && grep -Eq "^flusher +[0-9]+ +running" "$1"' _ "$KS_TMP/status"

ctl topics list >"$KS_TMP/topics" 2>&1; rc=$?
check "topics list: exit 0 (got $rc)" [ "$rc" -eq 0 ]
check "topics list: header" grep -Eq "^TOPIC +PARTITIONS +MESSAGES +LOG_END" "$KS_TMP/topics"
# auto-created by kcat -P with num.partitions=2;
# what matters: 750 messages, log end 750
check "topics list: ctltopic, 2 partitions, 750 messages, log end 750" \
    grep -Eq "^ctltopic +2 +750 +750 " "$KS_TMP/topics"

ctl topics describe ctltopic >"$KS_TMP/describe" 2>&1; rc=$?
check "topics describe: exit 0 (got $rc)" [ "$rc" -eq 0 ]
check "topics describe: summary line" grep -q "^topic ctltopic .* messages 750" "$KS_TMP/describe"
check "topics describe: partition 0 log end 500, 500 records in" \
    grep -Eq "^ +0 +0 +0 +0 +500 +500 " "$KS_TMP/describe"
check "topics describe: partition 1 log end 250" grep -Eq "^ +1 +0 +0 +0 +250 +250 " "$KS_TMP/describe"
check "topics describe: config line" grep -q "^config: .*retention.ms=" "$KS_TMP/describe"

ctl -j topics describe ctltopic >"$KS_TMP/describe.json" 2>&1; rc=$?
check "topics describe -j: exit 0 (got $rc)" [ "$rc" -eq 0 ]
check "topics describe -j: JSON with log ends [500, 250]" \
    [ "$(json_get '[p["log_end"] for p in j["partitions"]]' "$KS_TMP/describe.json")" = "[500, 250]" ]

ctl topics describe nosuchtopic >/dev/null 2>"$KS_TMP/nosuch"; rc=$?
check "topics describe of an unknown topic: exit 1 (got $rc)" [ "$rc" -eq 1 ]
check "topics describe of an unknown topic: says not found" grep -q 'topic "nosuchtopic" not found' "$KS_TMP/nosuch"

ctl brokers >"$KS_TMP/brokers" 2>&1
check "brokers: broker 0 on the Kafka port" grep -Eq "^ +0 +127.0.0.1 +$KS_BROKER_PORT +- +yes" "$KS_TMP/brokers"

# committed offsets reach the store in batches: wait for them
ks_wait_for 15 sh -c "\"$CTL\" -s 127.0.0.1:$KS_OPS_PORT lag ctlgroup 2>/dev/null | grep -Eq '^ctlgroup +ctltopic +0 +500 +500 +0\$'"
ctl lag ctlgroup >"$KS_TMP/lag" 2>&1; rc=$?
check "lag ctlgroup: exit 0 (got $rc)" [ "$rc" -eq 0 ]
check "lag ctlgroup: partition 0 committed 500, lag 0" grep -Eq "^ctlgroup +ctltopic +0 +500 +500 +0$" "$KS_TMP/lag"
check "lag ctlgroup: partition 1 committed 250, lag 0" grep -Eq "^ctlgroup +ctltopic +1 +250 +250 +0$" "$KS_TMP/lag"

seq 1 100 | ks_kcat -P -t ctltopic -p 0
ks_wait_for 10 sh -c "\"$CTL\" -s 127.0.0.1:$KS_OPS_PORT groups describe ctlgroup 2>/dev/null | grep -Eq '^ctltopic +0 +500 +600 +100\$'"
ctl groups describe ctlgroup >"$KS_TMP/group" 2>&1; rc=$?
check "groups describe: exit 0 (got $rc)" [ "$rc" -eq 0 ]
check "groups describe: lag 100 after 100 more messages" grep -Eq "^ctltopic +0 +500 +600 +100$" "$KS_TMP/group"
check "groups describe: summary with lag 100" grep -q "^group ctlgroup .* lag 100$" "$KS_TMP/group"
ctl groups list >"$KS_TMP/groups" 2>&1
check "groups list: ctlgroup with lag 100" grep -Eq "^ctlgroup +[A-Za-z]+ +.* +100$" "$KS_TMP/groups"
ctl groups describe nosuchgroup >/dev/null 2>"$KS_TMP/nogroup"; rc=$?
check "groups describe of an unknown group: exit 1 (got $rc)" [ "$rc" -eq 1 ]

ctl metrics >"$KS_TMP/metrics" 2>&1; rc=$?
check "metrics: exit 0 and the Prometheus text" \
    sh -c '[ "$1" -eq 0 ] && grep -q "^kafscale_topic_records_in_total{topic=\"ctltopic\"} 850$" "$2"' _ "$rc" "$KS_TMP/metrics"

# --- the commands that change the cluster (Kafka protocol) ---------------------
ctlb topics create admtopic --partitions 2 --config retention.ms=3600000 >"$KS_TMP/create" 2>&1; rc=$?
check "topics create: exit 0 (got $rc)" [ "$rc" -eq 0 ]
check "topics create: says so" grep -q "^created topic admtopic with 2 partitions$" "$KS_TMP/create"
ctl_wait 10 "^topic admtopic " topics describe admtopic
ctl topics describe admtopic >"$KS_TMP/adm1" 2>&1
check "topics describe: the new topic, 2 partitions, retention.ms from --config" \
    sh -c 'grep -q "^topic admtopic .* partitions 2 " "$1" && grep -q "^config: retention.ms=3600000 " "$1"' _ "$KS_TMP/adm1"
ctlb topics create admtopic >/dev/null 2>"$KS_TMP/create2"; rc=$?
check "topics create of an existing topic: exit 1 (got $rc), TOPIC_ALREADY_EXISTS" \
    sh -c '[ "$1" -eq 1 ] && grep -q "could not create topic \"admtopic\": TOPIC_ALREADY_EXISTS" "$2"' _ "$rc" "$KS_TMP/create2"
ctlb topics create badcfg --config no.such.key=1 >/dev/null 2>"$KS_TMP/create3"; rc=$?
check "topics create with an unknown config key: exit 1 (got $rc), INVALID_CONFIG" \
    sh -c '[ "$1" -eq 1 ] && grep -q "INVALID_CONFIG" "$2"' _ "$rc" "$KS_TMP/create3"

ctlb topics alter admtopic --config retention.ms=7200000 --config max.message.bytes=500000 >"$KS_TMP/alter" 2>&1; rc=$?
check "topics alter: exit 0 (got $rc)" [ "$rc" -eq 0 ]
check "topics alter: says what it set" grep -q "^altered topic admtopic: set retention.ms=7200000, set max.message.bytes=500000$" "$KS_TMP/alter"
ctl_wait 10 "max.message.bytes=500000" topics describe admtopic
ctl topics describe admtopic >"$KS_TMP/adm2" 2>&1
check "topics describe after alter: both keys changed" \
    sh -c 'grep -q "^config: retention.ms=7200000 .* max.message.bytes=500000 " "$1"' _ "$KS_TMP/adm2"
ctlb -j topics alter admtopic --delete-config max.message.bytes >"$KS_TMP/alter2.json" 2>&1; rc=$?
v=$(json_get 'j["deleted"]' "$KS_TMP/alter2.json")
check "topics alter --delete-config -j: exit 0 (got $rc), JSON names the key (got $v)" \
    [ "$rc:$v" = "0:['max.message.bytes']" ]
ctl_wait 10 "^config: retention.ms=7200000 " topics describe admtopic
ks_wait_for 10 sh -c '! "$0" -s "127.0.0.1:$1" topics describe admtopic | grep -q "max.message.bytes=500000"' \
    "$CTL" "$KS_OPS_PORT"
ctl topics describe admtopic >"$KS_TMP/adm3" 2>&1
check "topics describe after --delete-config: max.message.bytes back to the default, retention.ms kept" \
    sh -c '! grep -q "max.message.bytes=500000" "$1" && grep -q "^config: retention.ms=7200000 .* max.message.bytes=[0-9]" "$1"' \
    _ "$KS_TMP/adm3"
ctlb topics alter nosuchtopic --config retention.ms=1 >/dev/null 2>"$KS_TMP/alter3"; rc=$?
check "topics alter of an unknown topic: exit 1 (got $rc), UNKNOWN_TOPIC_OR_PARTITION" \
    sh -c '[ "$1" -eq 1 ] && grep -q "topic \"nosuchtopic\": UNKNOWN_TOPIC_OR_PARTITION" "$2"' _ "$rc" "$KS_TMP/alter3"

ctlb partitions add admtopic --count 3 >"$KS_TMP/padd" 2>&1; rc=$?
check "partitions add: exit 0 (got $rc)" [ "$rc" -eq 0 ]
check "partitions add: says so" grep -q "^topic admtopic now has 3 partitions$" "$KS_TMP/padd"
ctl_wait 10 "^topic admtopic .* partitions 3 " topics describe admtopic
ctl topics describe admtopic >"$KS_TMP/adm4" 2>&1
check "topics describe after partitions add: 3 partitions, partition 2 listed" \
    sh -c 'grep -q "^topic admtopic .* partitions 3 " "$1" && grep -Eq "^ +2 +[0-9]+ " "$1"' _ "$KS_TMP/adm4"
ctlb partitions add admtopic --count 2 >/dev/null 2>"$KS_TMP/padd2"; rc=$?
check "partitions add to fewer partitions: exit 1 (got $rc), INVALID_PARTITIONS" \
    sh -c '[ "$1" -eq 1 ] && grep -q "INVALID_PARTITIONS" "$2"' _ "$rc" "$KS_TMP/padd2"

# 30, 20 and 10 messages, then a consumer in group admgroup reads them all
seq 1 30 | ks_kcat -P -t admtopic -p 0 || ks_fail "kcat produce to admtopic/0 failed"
seq 1 20 | ks_kcat -P -t admtopic -p 1 || ks_fail "kcat produce to admtopic/1 failed"
seq 1 10 | ks_kcat -P -t admtopic -p 2 || ks_fail "kcat produce to admtopic/2 failed"
timeout 60 kcat -b "127.0.0.1:$KS_BROKER_PORT" -G admgroup admtopic -o beginning -q \
    -X enable.auto.commit=true -X auto.commit.interval.ms=100 >"$KS_TMP/admconsume" 2>&1 &
CONSUMER=$!
ks_track "$CONSUMER"
ctl_wait 30 "^admgroup .* lag 0$" groups describe admgroup
ctl groups describe admgroup >"$KS_TMP/g1" 2>&1
check "consumer in admgroup: committed 30/20/10, lag 0, one member" \
    sh -c 'grep -Eq "^admtopic +0 +30 +30 +0$" "$1" && grep -Eq "^admtopic +2 +10 +10 +0$" "$1" &&
           grep -q "members 1 " "$1"' _ "$KS_TMP/g1"

ctlb groups reset-offsets admgroup --topic admtopic --to-earliest >"$KS_TMP/r0.out" 2>"$KS_TMP/r0.err"; rc=$?
check "reset-offsets of a group with a member: exit 1 (got $rc)" [ "$rc" -eq 1 ]
check "reset-offsets of a group with a member: says it has an active member" \
    grep -q "could not reset the offsets of group \"admgroup\" on topic \"admtopic\": the group has 1 active member" "$KS_TMP/r0.err"
ctlb groups delete admgroup >/dev/null 2>"$KS_TMP/d0.err"; rc=$?
check "groups delete of a group with a member: exit 1 (got $rc), NON_EMPTY_GROUP" \
    sh -c '[ "$1" -eq 1 ] && grep -q "could not delete group \"admgroup\": NON_EMPTY_GROUP" "$2"' _ "$rc" "$KS_TMP/d0.err"

kill -TERM "$CONSUMER" 2>/dev/null
wait "$CONSUMER" 2>/dev/null
ctl_wait 20 "^group admgroup +state Empty " groups describe admgroup

ctlb groups reset-offsets admgroup --topic admtopic --to-earliest --dry-run >"$KS_TMP/r1" 2>&1; rc=$?
check "reset-offsets --dry-run: exit 0 (got $rc), shows 30 -> 0, commits nothing" \
    sh -c '[ "$1" -eq 0 ] && grep -Eq "^admtopic +0 +30 +0 +-$" "$2" && grep -q "^dry run: " "$2"' _ "$rc" "$KS_TMP/r1"
ctlb groups reset-offsets admgroup --topic admtopic --to-earliest >"$KS_TMP/r2" 2>&1; rc=$?
check "reset-offsets --to-earliest: exit 0 (got $rc)" [ "$rc" -eq 0 ]
check "reset-offsets --to-earliest: table and summary" \
    sh -c 'grep -Eq "^admtopic +1 +20 +0 +-$" "$1" && grep -q "^reset the offsets of group admgroup on topic admtopic to the earliest offset$" "$1"' \
    _ "$KS_TMP/r2"
ctl_wait 15 "^admgroup +admtopic +0 +0 +30 +30$" lag admgroup
ctl lag admgroup >"$KS_TMP/lag-e" 2>&1
check "lag after --to-earliest: committed 0, lag 30/20/10" \
    sh -c 'grep -Eq "^admgroup +admtopic +0 +0 +30 +30$" "$1" && grep -Eq "^admgroup +admtopic +1 +0 +20 +20$" "$1" &&
           grep -Eq "^admgroup +admtopic +2 +0 +10 +10$" "$1"' _ "$KS_TMP/lag-e"
ctl_wait 10 "^group admgroup .* lag 60$" groups describe admgroup
check "groups describe after --to-earliest: lag 60" sh -c '"$0" -s "127.0.0.1:$1" groups describe admgroup | grep -q "^group admgroup .* lag 60$"' \
    "$CTL" "$KS_OPS_PORT"

ctlb -j groups reset-offsets admgroup --topic admtopic --to-latest >"$KS_TMP/r3.json" 2>&1; rc=$?
v=$(json_get '[p["new"] for p in j["partitions"]]' "$KS_TMP/r3.json")
check "reset-offsets --to-latest -j: exit 0 (got $rc), new offsets [30, 20, 10] (got $v)" \
    [ "$rc:$v" = "0:[30, 20, 10]" ]
ctl_wait 15 "^group admgroup .* lag 0$" groups describe admgroup
ctl groups describe admgroup >"$KS_TMP/g2" 2>&1
check "groups describe after --to-latest: committed 30/20/10, lag 0" \
    sh -c 'grep -Eq "^admtopic +0 +30 +30 +0$" "$1" && grep -Eq "^admtopic +1 +20 +20 +0$" "$1" &&
           grep -q "^group admgroup .* lag 0$" "$1"' _ "$KS_TMP/g2"

# --to-timestamp: 5 more messages on partition 0 after T; the other
# partitions have no record at or after T and go to their log end
sleep 0.2
T=$(($(date +%s%N) / 1000000))
sleep 0.2
seq 1 5 | ks_kcat -P -t admtopic -p 0 || ks_fail "kcat produce to admtopic/0 failed"
ctlb groups reset-offsets admgroup --topic admtopic --to-earliest >/dev/null 2>&1
ctlb groups reset-offsets admgroup --topic admtopic --to-timestamp "$T" >"$KS_TMP/r4" 2>&1; rc=$?
check "reset-offsets --to-timestamp: exit 0 (got $rc), offsets 30/20/10" \
    sh -c '[ "$1" -eq 0 ] && grep -Eq "^admtopic +0 +0 +30 +-$" "$2" && grep -Eq "^admtopic +1 +0 +20 +-$" "$2" &&
           grep -Eq "^admtopic +2 +0 +10 +-$" "$2"' _ "$rc" "$KS_TMP/r4"
ctl_wait 15 "^admgroup +admtopic +0 +30 +35 +5$" lag admgroup
check "lag after --to-timestamp: 5 on partition 0" \
    sh -c '"$0" -s "127.0.0.1:$1" lag admgroup | grep -Eq "^admgroup +admtopic +0 +30 +35 +5$"' "$CTL" "$KS_OPS_PORT"

ctlb groups reset-offsets admgroup --topic nosuchtopic --to-latest >"$KS_TMP/r5.out" 2>"$KS_TMP/r5.err"; rc=$?
check "reset-offsets on an unknown topic: exit 1 (got $rc), UNKNOWN_TOPIC_OR_PARTITION, nothing on stdout" \
    sh -c '[ "$1" -eq 1 ] && grep -q "topic \"nosuchtopic\": UNKNOWN_TOPIC_OR_PARTITION" "$2" && [ ! -s "$3" ]' \
    _ "$rc" "$KS_TMP/r5.err" "$KS_TMP/r5.out"

ctlb groups delete admgroup >"$KS_TMP/d1" 2>&1; rc=$?
check "groups delete: exit 0 (got $rc), says so" \
    sh -c '[ "$1" -eq 0 ] && grep -q "^deleted group admgroup$" "$2"' _ "$rc" "$KS_TMP/d1"
ks_wait_for 10 sh -c '! "$0" -s "127.0.0.1:$1" groups describe admgroup' "$CTL" "$KS_OPS_PORT"
ctl groups describe admgroup >/dev/null 2>"$KS_TMP/d1b"; rc=$?
check "groups describe after groups delete: exit 1 (got $rc), not found" \
    sh -c '[ "$1" -eq 1 ] && grep -q "group \"admgroup\" not found" "$2"' _ "$rc" "$KS_TMP/d1b"
ctlb groups delete admgroup >/dev/null 2>"$KS_TMP/d2"; rc=$?
check "groups delete of an unknown group: exit 1 (got $rc), GROUP_ID_NOT_FOUND" \
    sh -c '[ "$1" -eq 1 ] && grep -q "could not delete group \"admgroup\": GROUP_ID_NOT_FOUND" "$2"' _ "$rc" "$KS_TMP/d2"

ctlb -j topics delete admtopic >"$KS_TMP/td.json" 2>&1; rc=$?
v=$(json_get 'j["deleted"]' "$KS_TMP/td.json")
check "topics delete -j: exit 0 (got $rc), JSON says deleted (got $v)" [ "$rc:$v" = "0:True" ]
ks_wait_for 10 sh -c '! "$0" -s "127.0.0.1:$1" topics describe admtopic' "$CTL" "$KS_OPS_PORT"
ctl topics describe admtopic >/dev/null 2>&1; rc=$?
check "topics describe after topics delete: exit 1 (got $rc)" [ "$rc" -eq 1 ]
ctlb topics delete admtopic >/dev/null 2>"$KS_TMP/td2"; rc=$?
check "topics delete of an unknown topic: exit 1 (got $rc), UNKNOWN_TOPIC_OR_PARTITION" \
    sh -c '[ "$1" -eq 1 ] && grep -q "could not delete topic \"admtopic\": UNKNOWN_TOPIC_OR_PARTITION" "$2"' _ "$rc" "$KS_TMP/td2"

ks_broker_stop
timeout 20 "$CTL" -s "127.0.0.1:$KS_OPS_PORT" status >/dev/null 2>"$KS_TMP/stopped.err"; rc=$?
check "after the broker stopped: exit 1 (got $rc)" [ "$rc" -eq 1 ]

# --- readiness follows the metadata store -------------------------------------
ready_code() { curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$KS_OPS_PORT/readyz"; }
if command -v etcd >/dev/null 2>&1 && command -v curl >/dev/null 2>&1; then
    ks_etcd_start e1
    ks_broker_start b2 -o metadata.store=etcd -o "etcd.endpoints=$KS_ETCD_ENDPOINT"
    ks_wait_for 15 sh -c "[ \"\$(curl -s -o /dev/null -w '%{http_code}' http://127.0.0.1:$KS_OPS_PORT/readyz)\" = 200 ]"
    check "etcd up: /readyz 200 (got $(ready_code))" [ "$(ready_code)" = 200 ]
    KS_ETCD_PORT_WANTED=$KS_ETCD_PORT
    ks_etcd_stop
    ks_wait_for 30 sh -c "[ \"\$(curl -s -o /dev/null -w '%{http_code}' http://127.0.0.1:$KS_OPS_PORT/readyz)\" = 503 ]"
    check "etcd down: /readyz 503 (got $(ready_code))" [ "$(ready_code)" = 503 ]
    check "etcd down: /healthz still 200" \
        [ "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$KS_OPS_PORT/healthz")" = 200 ]
    ctl status >"$KS_TMP/status-down" 2>&1
    check "etcd down: kafscalectl status says NOT READY, etcd not answering" \
        sh -c 'grep -q "NOT READY$" "$1" && grep -q "metadata store: etcd (not answering" "$1"' _ "$KS_TMP/status-down"
    export KS_ETCD_PORT_WANTED
    ks_etcd_start e1
    ks_wait_for 30 sh -c "[ \"\$(curl -s -o /dev/null -w '%{http_code}' http://127.0.0.1:$KS_OPS_PORT/readyz)\" = 200 ]"
    check "etcd back: /readyz 200 again (got $(ready_code))" [ "$(ready_code)" = 200 ]
    ks_broker_stop
    ks_etcd_stop
else
    ks_log "SKIP: readiness with etcd (etcd or curl not installed)"
fi

if [ -n "$FAILS" ]; then
    ks_fail "failed checks:$FAILS"
fi
echo PASS

#!/bin/sh
# test_man.sh: the man pages match the code and render without warnings.
#
# - every configuration key of src/conf.c (listed by tests/unit/man_conf_keys)
#   has exactly one entry in man/kafscale.conf.5, with the code's type,
#   default, reloadability and environment variables, and the page documents
#   no key the code does not have;
# - packaging/kafscale.conf shows every key, commented out, with its default,
#   and no other key;
# - `kafscaled -h` lists the same keys, and every option it prints is in
#   kafscaled(8); every option and command of `kafscalectl -h` is in
#   kafscalectl(1);
# - `groff -man -ww -z` prints nothing for kafscaled.8, kafscale.conf.5 and
#   kafscalectl.1 (skipped, exit 77, only when groff is missing and
#   everything else passed).
#
# A missing key prints the entry to add (scripts/gen-conf-man.sh KEY).
set -u
srcdir=${KS_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}
builddir=${KS_BUILDDIR:-$srcdir}
helper=$builddir/tests/unit/man_conf_keys
page=$srcdir/man/kafscale.conf.5
conf=$srcdir/packaging/kafscale.conf
tmp=$(mktemp -d "${TMPDIR:-/tmp}/ks-test-man.XXXXXX") || exit 99
trap 'rm -rf "$tmp"' EXIT
fail=0

bad() {
    echo "FAIL: $*"
    fail=1
}

if [ ! -x "$helper" ]; then
    echo "ERROR: $helper not built (make check builds it)"
    exit 99
fi
"$helper" > "$tmp/code.tsv" || { echo "ERROR: $helper failed"; exit 99; }
nkeys=$(wc -l < "$tmp/code.tsv")
if [ "$nkeys" -lt 20 ]; then
    echo "ERROR: $helper listed only $nkeys keys"
    exit 99
fi

# --- kafscale.conf(5): one TSV line per documented key, roff escapes undone:
# name TAB environment TAB type TAB default TAB reloadable
awk '
function unroff(s) {
    gsub(/\\f[BIRP]/, "", s)
    gsub(/\\f\(CW/, "", s)
    gsub(/\\&/, "", s)
    gsub(/\\-/, "-", s)
    gsub(/\\\(dq/, "\"", s)
    gsub(/\\e/, "\\", s)
    return s
}
/^\.\\" BEGIN KEYS/ { inkeys = 1; next }
/^\.\\" END KEYS/ { inkeys = 0; next }
!inkeys { next }
/^\.TP/ { tp = 1; next }
tp && /^\.B / { flush(); key = substr($0, 4); tp = 0; next }
{ tp = 0 }
key != "" && /^Type: / {
    line = unroff($0)
    if (match(line, /^Type: [^;]*; default: /) == 0) { print "BAD\t" key "\t" line; next }
    type = substr(line, 7, index(line, ";") - 7)
    rest = substr(line, RLENGTH + 1)
    n = index(rest, "; reloadable: ")
    if (n == 0) { print "BAD\t" key "\t" line; next }
    def = substr(rest, 1, n - 1)
    if (def == "\"\"") def = ""
    rel = substr(rest, n + 14)
    next
}
key != "" && /^Environment: / {
    env = unroff(substr($0, 14))
    gsub(/,/, "", env)
    gsub(/  +/, " ", env)
    next
}
function flush() {
    if (key != "") print key "\t" env "\t" type "\t" def "\t" rel
    key = ""; env = ""; type = "?"; def = "?"; rel = "?"
}
END { flush() }
' "$page" > "$tmp/page.tsv"

grep '^BAD	' "$tmp/page.tsv" | while IFS='	' read -r _ k l; do
    echo "FAIL: kafscale.conf.5: entry of $k: cannot read \"$l\""
done
grep -q '^BAD	' "$tmp/page.tsv" && fail=1
grep -v '^BAD	' "$tmp/page.tsv" > "$tmp/page2.tsv"
mv "$tmp/page2.tsv" "$tmp/page.tsv"

cut -f1 "$tmp/code.tsv" | sort > "$tmp/code.keys"
cut -f1 "$tmp/page.tsv" | sort > "$tmp/page.keys"
for k in $(sort "$tmp/page.keys" | uniq -d); do
    bad "kafscale.conf.5 documents $k more than once"
done
for k in $(comm -23 "$tmp/code.keys" "$tmp/page.keys"); do
    bad "key $k is in the code but not in man/kafscale.conf.5; add (in its section):"
    sh "$srcdir/scripts/gen-conf-man.sh" "$helper" "$k" | sed 's/^/    /'
done
for k in $(sort -u "$tmp/page.keys" | comm -13 "$tmp/code.keys" -); do
    bad "key $k is documented in man/kafscale.conf.5 but the code has no such key"
done

# Field by field, for keys in both.
awk -F '\t' '
NR == FNR { env[$1] = $2; type[$1] = $3; def[$1] = $4; rel[$1] = $5; next }
!($1 in type) { next }
$3 != type[$1] { printf "%s: type in kafscale.conf.5 is \"%s\", in the code \"%s\"\n", $1, $3, type[$1] }
$4 != def[$1] { printf "%s: default in kafscale.conf.5 is \"%s\", in the code \"%s\"\n", $1, $4, def[$1] }
$5 != rel[$1] { printf "%s: reloadable in kafscale.conf.5 is \"%s\", in the code \"%s\"\n", $1, $5, rel[$1] }
$2 != env[$1] { printf "%s: environment in kafscale.conf.5 is \"%s\", in the code \"%s\"\n", $1, $2, env[$1] }
' "$tmp/code.tsv" "$tmp/page.tsv" > "$tmp/diff.txt"
while IFS= read -r l; do bad "$l"; done < "$tmp/diff.txt"

# --- packaging/kafscale.conf: "#key = default" for every key, nothing else.
sed -n 's/^#\{0,1\}\([a-z0-9][a-z0-9.]*\) = \(.*\)$/\1	\2/p' "$conf" > "$tmp/conf.tsv"
cut -f1 "$tmp/conf.tsv" | sort > "$tmp/conf.keys"
for k in $(comm -23 "$tmp/code.keys" "$tmp/conf.keys"); do
    bad "key $k is in the code but not in packaging/kafscale.conf"
done
for k in $(sort -u "$tmp/conf.keys" | comm -13 "$tmp/code.keys" -); do
    bad "packaging/kafscale.conf sets $k, which the code does not have"
done
awk -F '\t' '
NR == FNR { def[$1] = $4; next }
!($1 in def) { next }
{ v = $2 == "\"\"" ? "" : $2 }
v != def[$1] { printf "%s: default in packaging/kafscale.conf is \"%s\", in the code \"%s\"\n", $1, v, def[$1] }
' "$tmp/code.tsv" "$tmp/conf.tsv" > "$tmp/diff.txt"
while IFS= read -r l; do bad "$l"; done < "$tmp/diff.txt"

# --- kafscaled -h: same keys; every option documented in kafscaled(8).
# kafscalectl -h: every option and command documented in kafscalectl(1).
# (Options as "  -x, --long ..." lines of the usage messages.)
check_options() {   # program page
    for o in $(sed -n 's/^  \(-[a-zA-Z]\), \(--[a-z-]*\).*/\1 \2/p' "$tmp/help.txt"); do
        r=$(printf '%s' "$o" | sed 's/-/\\\\-/g')
        grep -q -- "$r" "$srcdir/man/$2" || bad "option $o of $1 -h is not in man/$2"
    done
}
if [ -x "$builddir/kafscaled" ]; then
    "$builddir/kafscaled" -h > "$tmp/help.txt" 2>&1 || bad "kafscaled -h failed"
    sed -n 's/^  \([a-z0-9][a-z0-9.]*\) = .*/\1/p' "$tmp/help.txt" | sort > "$tmp/help.keys"
    cmp -s "$tmp/help.keys" "$tmp/code.keys" \
        || bad "kafscaled -h does not list the keys of the key table: $(comm -3 "$tmp/help.keys" "$tmp/code.keys" | tr '\n\t' '  ')"
    check_options kafscaled kafscaled.8
else
    echo "note: $builddir/kafscaled not built, kafscaled -h not compared"
fi
if [ -x "$builddir/kafscalectl" ]; then
    "$builddir/kafscalectl" -h > "$tmp/help.txt" 2>&1 || bad "kafscalectl -h failed"
    check_options kafscalectl kafscalectl.1
    # Commands: the lower-case words of each line under "commands:".
    sed -n '/^commands:/,/^$/s/^  \([a-z][a-z ]*[a-z]\).*/\1/p' "$tmp/help.txt" \
        | sed 's/ [A-Z].*//; s/  .*//' > "$tmp/commands.txt"
    [ -s "$tmp/commands.txt" ] || bad "kafscalectl -h lists no commands"
    while IFS= read -r c; do
        grep -q "^\.B[IR]* \"*$c\>" "$srcdir/man/kafscalectl.1" \
            || bad "command \"$c\" of kafscalectl -h is not in man/kafscalectl.1"
    done < "$tmp/commands.txt"
else
    echo "note: $builddir/kafscalectl not built, kafscalectl -h not compared"
fi

if [ "$fail" -ne 0 ]; then
    echo "man pages do not match the code (see above)"
    exit 1
fi
echo "ok: $nkeys keys documented in kafscale.conf.5 and packaging/kafscale.conf, with the code's defaults"

# --- rendering
if ! command -v groff > /dev/null 2>&1; then
    echo "SKIP: groff not installed, rendering not checked"
    exit 77
fi
for p in kafscaled.8 kafscale.conf.5 kafscalectl.1; do
    if [ ! -f "$srcdir/man/$p" ]; then
        bad "man/$p is missing"
        continue
    fi
    out=$(LC_ALL=C.UTF-8 groff -man -ww -z "$srcdir/man/$p" 2>&1)
    if [ -n "$out" ]; then
        bad "groff -man -ww -z man/$p:"
        printf '%s\n' "$out" | sed 's/^/    /'
    fi
done
[ "$fail" -eq 0 ] || exit 1
echo "ok: man pages render without warnings"
exit 0

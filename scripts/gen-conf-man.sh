#!/bin/sh
# gen-conf-man.sh: print the kafscale.conf(5) entries of configuration keys,
# in the format tests/unit/test_man.sh checks, from the key table in
# src/conf.c (through tests/unit/man_conf_keys, built by `make check`).
#
#   scripts/gen-conf-man.sh [HELPER] [KEY...]
#
# With KEYs, only those keys.  Paste the output between the
# `.\" BEGIN KEYS` and `.\" END KEYS` lines of man/kafscale.conf.5 (in the
# right section), then improve the description line if it needs more
# than the one-line summary of the code.
set -eu
helper=${1:-./tests/unit/man_conf_keys}
[ $# -gt 0 ] && shift
"$helper" | awk -F '\t' -v want="$*" '
function esc(s) {
    gsub(/\\/, "\\e", s)
    gsub(/-/, "\\-", s)
    return s
}
BEGIN { n = split(want, w, " "); for (i = 1; i <= n; i++) sel[w[i]] = 1 }
n > 0 && !($1 in sel) { next }
{
    def = $4 == "" ? "\"\"" : esc($4)
    print ".TP"
    print ".B " $1
    printf "Type: \\fI%s\\fR; default: \\fB%s\\fR; reloadable: %s\n", $3, def, $5
    print ".br"
    m = split($2, e, " ")
    line = "Environment:"
    for (i = 1; i <= m; i++)
        line = line (i > 1 ? "," : "") " \\fB" e[i] "\\fR"
    print line
    print ".br"
    d = $6
    gsub(/\\/, "\\e", d)
    d = toupper(substr(d, 1, 1)) substr(d, 2)
    if (d !~ /\.$/) d = d "."
    if (d ~ /^[.\047]/) d = "\\&" d
    print d
}'

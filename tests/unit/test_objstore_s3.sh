#!/bin/sh
# test_objstore_s3.sh: runs test_objstore's s3 backend tests against a real
# s3rver behind the Signature V4 verifying proxy (tests/e2e/s3env.sh).
# Skips (77) when s3rver is not installed.
srcdir=${KS_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}
builddir=${KS_BUILDDIR:-$srcdir}
exec bash -c '
. "$1/tests/e2e/s3env.sh"
dir=$(mktemp -d /tmp/ks-objstore-s3.XXXXXX) || exit 1
ks_s3_start "$dir"; rc=$?
if [ $rc -ne 0 ]; then rm -rf "$dir"; exit $rc; fi
# a second proxy whose upstream is down: every request gets 503
deadport=$(ks_free_port)
/usr/bin/python3 "$1/tests/e2e/s3proxy.py" --upstream 127.0.0.1:$deadport --port-file "$dir/p503.port" 2>"$dir/p503.log" &
p503=$!
trap "kill $p503 2>/dev/null; wait $p503 2>/dev/null; ks_s3_stop; rm -rf \"$dir\"" EXIT
for i in $(seq 1 100); do [ -s "$dir/p503.port" ] && break; sleep 0.05; done
export KS_S3_503_ENDPOINT=http://127.0.0.1:$(cat "$dir/p503.port")
timeout 600 "$2/tests/unit/test_objstore"; rc=$?
refused=$(grep -c "refused" "$dir/s3proxy.log")
echo "s3proxy refused $refused request(s) (the wrong-secret test expects some)"
if [ $rc -eq 0 ] && [ "$refused" -eq 0 ]; then
    echo "FAIL: the proxy refused nothing: is it really in the path?"; rc=1
fi
if grep "refused" "$dir/s3proxy.log" | grep -v "SignatureDoesNotMatch" >&2; then
    echo "FAIL: the proxy refused requests other than the wrong-secret ones"; rc=1
fi
exit $rc
' sh "$srcdir" "$builddir"

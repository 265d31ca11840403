#!/bin/sh
# ASan+UBSan build of the whole tree, out of tree, and `make check` under it.
# It is configured --with-libs3 as well, so the libs3 backend's tests
# (tests/unit/test_objstore_s3.sh, against s3rver) run here.
#
# The source tree itself is usually configured in place (the README's test
# command runs ./configure there), and automake refuses an out-of-tree build
# of a configured source tree; so the tracked sources are copied to
# build-asan/src and built in build-asan/obj.  Prints "asan: N passed, M
# failed, K skipped" and exits non-zero on a failure.
#
#   sh scripts/ci-asan.sh [make check arguments, e.g. TESTS=...]
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
b="$top/build-asan"
start=$(date +%s)
CC=${CC:-clang}

rm -rf "$b"
mkdir -p "$b/src" "$b/obj"
(cd "$top" && git ls-files -z --cached --others --exclude-standard | xargs -0 -r sh -c '
  for f; do [ -f "$f" ] && printf "%s\0" "$f"; done' sh | tar --null -T - -cf -) | (cd "$b/src" && tar -xf -)
# npm packages the tests use (installed by setup-debian.sh, not tracked)
[ -d "$top/tests/e2e/node_modules" ] && ln -s "$top/tests/e2e/node_modules" "$b/src/tests/e2e/node_modules"

status=0
(cd "$b/src" && autoreconf -fi >/dev/null 2>&1) || { echo "asan: autoreconf failed"; status=1; }
if [ $status = 0 ]; then
  (cd "$b/obj" && ../src/configure --enable-sanitizers --with-libs3 CC="$CC" >configure.out 2>&1) ||
    { tail -20 "$b/obj/configure.out"; echo "asan: configure failed"; status=1; }
fi
t_build=$(date +%s)
if [ $status = 0 ]; then
  (cd "$b/obj" && make -j2 >make.out 2>&1) || { tail -40 "$b/obj/make.out"; echo "asan: build failed"; status=1; }
fi
t_check=$(date +%s)
if [ $status = 0 ]; then
  # Children leave with _exit() and skip LeakSanitizer; the master and the
  # tools are checked.  A sanitizer report makes the process fail, and the
  # test that ran it with it.
  # Reports go to files (a worker's report would otherwise end in a
  # broker log the test deletes): build-asan/obj/sanitizer/{asan,ubsan}.PID
  rep="$b/obj/sanitizer"
  mkdir -p "$rep"
  ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:exitcode=86:log_path=$rep/asan}
  UBSAN_OPTIONS=${UBSAN_OPTIONS:-halt_on_error=1:print_stacktrace=1:log_path=$rep/ubsan}
  # librdkafka/python are not instrumented: their leaks are not ours
  LSAN_OPTIONS=${LSAN_OPTIONS:-suppressions=$top/scripts/lsan.supp:print_suppressions=0}
  export ASAN_OPTIONS UBSAN_OPTIONS LSAN_OPTIONS
  (cd "$b/obj" && make -j2 check "$@" >check.out 2>&1) || status=1
  grep -h "^FAIL\|^ERROR\|^XPASS" "$b/obj/check.out"
  # every sanitizer report, even from a process whose test passed
  n=$(ls "$rep" | wc -l)
  if [ "$n" -gt 0 ]; then
    echo "asan: $n sanitizer reports:"
    for f in "$rep"/*; do echo "--- $f"; head -30 "$f"; done
    status=1
  fi
fi
end=$(date +%s)
echo "asan: build $((t_check - t_build)) s, check $((end - t_check)) s, total $((end - start)) s"
printf 'asan: %s\n' "$(sh "$top/scripts/test-summary.sh" "$b/obj")"
exit $status

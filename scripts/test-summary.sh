#!/bin/sh
# Prints one line "N passed, M failed" (skips counted apart) from the
# automake .trs files under the build directory given (default .).
dir=${1:-.}
find "$dir" -name '*.trs' -print0 2>/dev/null | xargs -0 -r cat | awk '
  /^:test-result: PASS/  { p++ }
  /^:test-result: XFAIL/ { p++ }
  /^:test-result: FAIL/  { f++ }
  /^:test-result: XPASS/ { f++ }
  /^:test-result: ERROR/ { f++ }
  /^:test-result: SKIP/  { s++ }
  END { printf "%d passed, %d failed, %d skipped\n", p, f, s }'

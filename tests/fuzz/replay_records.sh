#!/bin/sh
# Replays the record batch fuzz corpus (make check).
exec "${KS_BUILDDIR:-.}/tests/fuzz/replay_records" "${KS_SRCDIR:-.}/tests/fuzz/corpus/records"

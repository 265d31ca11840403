#!/bin/sh
# Replays the segment/index fuzz corpus (make check).
exec "${KS_BUILDDIR:-.}/tests/fuzz/replay_segment" "${KS_SRCDIR:-.}/tests/fuzz/corpus/segment"

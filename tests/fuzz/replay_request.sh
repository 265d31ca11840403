#!/bin/sh
# Replays the request fuzz corpus through the codec (make check).
exec "${KS_BUILDDIR:-.}/tests/fuzz/replay_request" "${KS_SRCDIR:-.}/tests/fuzz/corpus/request"

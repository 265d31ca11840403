#!/bin/sh
# Replays the ops credentials fuzz corpus through src/opsauth.c (make check).
exec "${KS_BUILDDIR:-.}/tests/fuzz/replay_opsauth" "${KS_SRCDIR:-.}/tests/fuzz/corpus/opsauth"

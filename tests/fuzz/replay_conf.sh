#!/bin/sh
# Replays the config fuzz corpus through the config parser (make check).
exec "${KS_BUILDDIR:-.}/tests/fuzz/replay_conf" "${KS_SRCDIR:-.}/tests/fuzz/corpus/conf"

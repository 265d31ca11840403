#!/bin/sh
# Replays the metadata journal fuzz corpus through the embedded store (make check).
exec "${KS_BUILDDIR:-.}/tests/fuzz/replay_journal" "${KS_SRCDIR:-.}/tests/fuzz/corpus/journal"

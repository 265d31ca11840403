#!/bin/sh
# Replays the SASL fuzz corpus through the PLAIN and SCRAM parsers (make check).
exec "${KS_BUILDDIR:-.}/tests/fuzz/replay_sasl" "${KS_SRCDIR:-.}/tests/fuzz/corpus/sasl"

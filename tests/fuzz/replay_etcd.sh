#!/bin/sh
# Replays the etcd JSON fuzz corpus through the etcd backend's parsers (make check).
exec "${KS_BUILDDIR:-.}/tests/fuzz/replay_etcd" "${KS_SRCDIR:-.}/tests/fuzz/corpus/etcd"

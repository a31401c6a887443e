#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# Fuzz the config.json and `update --resources` parsers (tests/fuzz/fuzz_spec.c) with libFuzzer.
#
#   tests/fuzz/run.sh [SECONDS]        default 60; FUZZ_SECONDS works too
#   tests/fuzz/run.sh --replay FILE... run files once through the target (reproduce a crash)
#
# Needs clang with -fsanitize=fuzzer (Debian: clang).  Builds into $FUZZ_BUILD (default
# /tmp/build-fuzz), taking config.h from $SKIFF_BUILD when set (a configured build directory),
# else configuring once there.  New corpus entries go to $FUZZ_BUILD/corpus, crashes to
# $FUZZ_BUILD/crash-*; the seeds in tests/fuzz/corpus are read, never written.
set -eu

src=$(cd "$(dirname "$0")/../.." && pwd)
out=${FUZZ_BUILD:-/tmp/build-fuzz}
cc=${CC_FUZZ:-clang}
mkdir -p "$out/corpus"

if [ -n "${SKIFF_BUILD:-}" ] && [ -f "$SKIFF_BUILD/config.h" ]; then
  cfg=$SKIFF_BUILD
else
  cfg=$out/cfg
  if [ ! -f "$cfg/config.h" ]; then
    mkdir -p "$cfg"
    (cd "$cfg" && "$src/configure" -q)
  fi
fi

lib=$src/libskiff
sources="$src/tests/fuzz/fuzz_spec.c $lib/spec.c $lib/spec_linux.c $lib/spec_resources.c
  $lib/spec_default.c $lib/json.c $lib/utils.c $lib/error.c $lib/log.c $lib/seccomp.c"
cflags="-std=gnu11 -g -O1 -fno-omit-frame-pointer -I$lib -I$cfg $(pkg-config --cflags yajl 2>/dev/null || echo -I/usr/include/yajl)"
libs="-lyajl -lseccomp"

if [ "${1:-}" = "--replay" ]; then
  shift
  # shellcheck disable=SC2086
  $cc $cflags -DSK_FUZZ_STANDALONE -fsanitize=address,undefined -fno-sanitize-recover=undefined \
    -o "$out/replay_spec" $sources $libs
  exec "$out/replay_spec" "$@"
fi

secs=${1:-${FUZZ_SECONDS:-60}}
# shellcheck disable=SC2086
if ! $cc $cflags -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined \
  -o "$out/fuzz_spec" $sources $libs; then
  echo "run.sh: $cc cannot build a libFuzzer target here; replaying the seeds only" >&2
  exec "$0" --replay "$src"/tests/fuzz/corpus/*
fi
cd "$out"
exec ./fuzz_spec -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 -max_len=16384 \
  -dict="$src/tests/fuzz/spec.dict" -print_final_stats=1 "$out/corpus" "$src/tests/fuzz/corpus"

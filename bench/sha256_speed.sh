#!/bin/sh
# Builds and runs bench/sha256_speed.c: av_sha vs OpenSSL EVP SHA-256.
# Usage: bench/sha256_speed.sh [MiB] [reps]
set -eu
here=$(cd "$(dirname "$0")" && pwd)
out=${TMPDIR:-/tmp}/pbc_sha256_speed.$$
trap 'rm -f "$out"' EXIT
cc -O2 -std=c11 -D_GNU_SOURCE -o "$out" "$here/sha256_speed.c" \
    $(pkg-config --cflags --libs libavutil libcrypto)
"$out" "$@"

#!/bin/sh
# Builds scan.wasm from scan.c. The flags are pinned so the build is reproducible: the same clang version gives
# the same bytes (test/kernels/scan-wasm-build.test.ts rebuilds and compares). The committed scan.wasm was
# built with the clang version named in CLANG_VERSION below; the test only compares under that version.
# Needs clang and wasm-ld (Debian: apt-get install -y clang lld). Usage: build.sh [output path]
# CLANG_VERSION: Debian clang version 14.0.6
set -eu
here=$(dirname "$0")
out=${1:-"$here/scan.wasm"}
clang --target=wasm32 -O3 -msimd128 -ffreestanding -nostdlib -fno-ident \
  -Wall -Wextra -Werror -Wno-unused-parameter \
  -Wl,--no-entry -Wl,--strip-all -Wl,--export=__heap_base -Wl,-z,stack-size=65536 \
  -o "$out" "$here/scan.c"
chmod 644 "$out" # wasm-ld marks its output executable; it is data

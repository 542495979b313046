#!/bin/sh
# Builds conv.wasm from conv.c. The flags are pinned so the build is reproducible: the same clang version gives
# the same bytes (test/kernels/backend-simd-build.test.ts rebuilds and compares). The committed conv.wasm was
# built with the clang version named in CLANG_VERSION below; the test only compares under that version.
# Needs clang and wasm-ld (Debian: apt-get install -y clang lld). Usage: build.sh [output path]
# CLANG_VERSION: Debian clang version 14.0.6
set -eu
here=$(dirname "$0")
out=${1:-"$here/conv.wasm"}
# The memory is imported and shared (threads run instances of the module on it: kernels/threads/pool.ts), so
# the module needs atomics and bulk memory; each instance's stack pointer is exported so each thread can have
# its own stack. The stack size is STACK_BYTES and the initial memory INITIAL_PAGES in ./module.ts.
# -ffp-contract=off: no fused multiply-adds, whatever the target grows (the same bits on every build).
clang --target=wasm32 -O3 -msimd128 -matomics -mbulk-memory -mmutable-globals -ffreestanding -nostdlib -fno-ident \
  -ffp-contract=off -Wall -Wextra -Werror -Wno-unused-parameter \
  -Wl,--no-entry -Wl,--strip-all -Wl,--export=__heap_base -Wl,--export=__stack_pointer -Wl,-z,stack-size=65536 \
  -Wl,--import-memory -Wl,--shared-memory -Wl,--max-memory=4294967296 \
  -o "$out" "$here/conv.c"
chmod 644 "$out" # wasm-ld marks its output executable; it is data

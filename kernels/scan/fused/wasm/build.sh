#!/bin/sh
# Builds scan.wasm from scan.c. The flags are pinned so the build is reproducible: the same clang version gives
# the same bytes (test/kernels/wasm-build.test.ts rebuilds and compares). The committed scan.wasm was
# built with the clang version named in CLANG_VERSION below; the test only compares under that version.
# Needs clang and wasm-ld (Debian: apt-get install -y clang lld). Usage: build.sh [output path]
# CLANG_VERSION: Debian clang version 14.0.6
set -eu
here=$(dirname "$0")
out=${1:-"$here/scan.wasm"}
# The memory is imported and shared (threads run instances of the module on it: ../scan-threads.ts), so the
# module needs atomics and bulk memory; each instance's stack pointer is exported so each thread can have its
# own stack. The stack size is STACK_BYTES and the initial memory INITIAL_PAGES in ../wasm-scan.ts.
clang --target=wasm32 -O3 -msimd128 -matomics -mbulk-memory -mmutable-globals -ffreestanding -nostdlib -fno-ident \
  -Wall -Wextra -Werror -Wno-unused-parameter \
  -Wl,--no-entry -Wl,--strip-all -Wl,--export=__heap_base -Wl,--export=__stack_pointer -Wl,-z,stack-size=65536 \
  -Wl,--import-memory -Wl,--shared-memory -Wl,--max-memory=4294967296 \
  -o "$out" "$here/scan.c"
chmod 644 "$out" # wasm-ld marks its output executable; it is data

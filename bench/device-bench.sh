#!/usr/bin/env bash
# The GPU measurements of one device call, from the carry engine/bundle/device-carry.sh built:
#   1. builds the official Mamba CUDA scan from MAMBA_CUDA_SRC (bench/peers/mamba-cuda/build.sh, in the
#      background at low priority) while bench/webgpu.bench.ts measures the scan table and our kernels,
#      then times the peer at its five shapes and prints our forward and forward+backward against it;
#   2. runs the experiments named (device-run.sh: their artifacts tarred into $OUT);
#   3. bench/gpu-training.bench.ts: training throughput of the studies' models against PyTorch on the
#      same GPU (its Mamba with the peer built in 1).
#
#   MAMBA_CUDA_SRC=<state-spaces/mamba csrc/selective_scan> SOURCE_COMMIT=<sha> bench/device-bench.sh [experiment ...]
#   WEBGPU_BENCH=0 skips 1's measurements of our kernels (the peer is still built for 3); GPU_TRAINING_BENCH=0 skips 3.
#
# $OUT gets webgpu-bench.txt and .json (the bench), gpu-training.txt and .json, scan-table-<adapter>.json (the measured table),
# peer-build.log, and artifacts-<experiment>.tar. Without MAMBA_CUDA_SRC, nvcc or CUDA PyTorch the
# peer rows say what is missing and the rest still runs.
set -uo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
out=${OUT:-$root/build/device-out}
mkdir -p "$out"
. "$root/engine/bundle/device-env.sh" || exit 2
for dir in /usr/local/cuda/bin /opt/torch/.venv/bin; do [ -d "$dir" ] && export PATH="$dir:$PATH"; done
cd "$root"
peer=$root/build/peers/mamba-cuda
wait_s=0
if [ -n "${MAMBA_CUDA_SRC:-}" ] && command -v nvcc >/dev/null; then
  mkdir -p "$peer"
  (nice -n 19 bash bench/peers/mamba-cuda/build.sh "$peer" >"$out/peer-build.log" 2>&1; echo $? >"$peer/build.rc") &
  wait_s=${MAMBA_CUDA_WAIT:-480}
fi
status=0
if [ "${WEBGPU_BENCH:-1}" != 0 ]; then
  MAMBA_CUDA_BUILD=$peer MAMBA_CUDA_WAIT=$wait_s WEBGPU_BENCH_TORCH=${WEBGPU_BENCH_TORCH:-0} BENCH_OUT=$out/webgpu-bench.json \
    node --import tsx bench/webgpu.bench.ts 2>&1 | tee "$out/webgpu-bench.txt"
  status=${PIPESTATUS[0]}
  for f in .cache/webgpu-scan-tuning/*.json; do [ -f "$f" ] && cp "$f" "$out/scan-table-$(basename "$f")"; done
fi
if [ $# -gt 0 ]; then bash engine/bundle/device-run.sh "$@" || status=$?; fi
if [ "${GPU_TRAINING_BENCH:-1}" != 0 ]; then
  # The peer's Mamba uses the CUDA scan built above: wait for that build to end (it writes build.rc).
  until [ "$wait_s" = 0 ] || [ -f "$peer/build.rc" ] || [ $SECONDS -gt $wait_s ]; do sleep 2; done
  MAMBA_CUDA_BUILD=$peer BENCH_OUT=$out/gpu-training.json node --import tsx bench/gpu-training.bench.ts 2>&1 | tee "$out/gpu-training.txt"
  [ "${PIPESTATUS[0]}" = 0 ] || status=1
fi
exit $status

#!/usr/bin/env bash
# Builds state-spaces/mamba's selective-scan CUDA extension (`selective_scan_cuda`) from a source tree
# that is not part of this project, for timing it beside the WGSL scan (bench/webgpu.bench.ts).
#
#   MAMBA_CUDA_SRC=<folder holding selective_scan.cpp and the selective_scan_*.cu files> \
#     bench/peers/mamba-cuda/build.sh [out-dir]        (default build/peers/mamba-cuda)
#
# Needs nvcc and a Python with CUDA PyTorch (PYTHON, default python3); CUDA_ARCH (default 90, Hopper).
# Every .cu file compiles in parallel (about 150 s on 16 cores for all nine); the .so lands in out-dir.
set -euo pipefail
src=${MAMBA_CUDA_SRC:?MAMBA_CUDA_SRC must name the selective_scan source folder (csrc/selective_scan of state-spaces/mamba)}
[ -f "$src/selective_scan.cpp" ] || { echo "build.sh: $src has no selective_scan.cpp" >&2; exit 2; }
py=${PYTHON:-python3}
arch=${CUDA_ARCH:-90}
out=$(mkdir -p "${1:-build/peers/mamba-cuda}" && cd "${1:-build/peers/mamba-cuda}" && pwd)
command -v nvcc >/dev/null || { echo "build.sh: nvcc not on PATH" >&2; exit 3; }
$py -c 'import torch; assert torch.cuda.is_available()' || { echo "build.sh: $py has no CUDA PyTorch" >&2; exit 3; }
obj=$(mktemp -d)
trap 'rm -rf "$obj"' EXIT
# torch.utils.cpp_extension's include folders (the keyword changed between torch versions).
includes=$($py - <<'PY'
from torch.utils import cpp_extension as c
try:
    paths = c.include_paths(device_type="cuda")
except TypeError:
    paths = c.include_paths(cuda=True)
print(" ".join("-I" + p for p in paths))
PY
)
pyinc=$($py -c 'import sysconfig; print(sysconfig.get_paths()["include"])')
abi=$($py -c 'import torch; print(int(torch._C._GLIBCXX_USE_CXX11_ABI))')
defs="-DTORCH_EXTENSION_NAME=selective_scan_cuda -DTORCH_API_INCLUDE_EXTENSION_H -D_GLIBCXX_USE_CXX11_ABI=$abi"
flags="-O3 -std=c++17 --use_fast_math --expt-relaxed-constexpr --expt-extended-lambda -Xcompiler -fPIC --threads 2 -gencode arch=compute_$arch,code=sm_$arch"
for t in HALF BFLOAT16 BFLOAT162; do flags="$flags -U__CUDA_NO_${t}_OPERATORS__ -U__CUDA_NO_${t}_CONVERSIONS__"; done
start=$(date +%s)
pids=()
for f in "$src"/*.cu; do
  nvcc $flags $defs $includes -I"$pyinc" -I"$src" -c "$f" -o "$obj/$(basename "$f").o" & pids+=($!)
done
g++ -O3 -std=c++17 -fPIC $defs $includes -I"$pyinc" -I"$src" -c "$src/selective_scan.cpp" -o "$obj/selective_scan.o" & pids+=($!)
for p in "${pids[@]}"; do wait "$p"; done
torchlib=$($py -c 'import torch, os; print(os.path.join(os.path.dirname(torch.__file__), "lib"))')
cudalib=$(dirname "$(dirname "$(command -v nvcc)")")/lib64
suffix=$($py -c 'import sysconfig; print(sysconfig.get_config_var("EXT_SUFFIX"))')
g++ -shared "$obj"/*.o -o "$out/selective_scan_cuda$suffix" -L"$torchlib" -lc10 -ltorch -ltorch_cpu -ltorch_python -lc10_cuda -ltorch_cuda -L"$cudalib" -lcudart
echo "build.sh: selective_scan_cuda built in $(( $(date +%s) - start )) s -> $out"

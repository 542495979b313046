#!/usr/bin/env bash
# Runs the bundled project on this host with the bundled Node: `make report` by default, or one figure,
# table or experiment by id. BACKEND (auto|wasm|cpu|webgpu), PROFILE and JOBS pass through as for make.
#
#   ./run.sh                 # make report
#   ./run.sh scan-scaling    # make figure FIG=scan-scaling
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
export PATH="$here/bin:$PATH"
export LD_LIBRARY_PATH="$here/lib${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
# NVIDIA's Vulkan driver manifest where container images put it, if the loader's default paths lack one.
for icd in /usr/local/nvidia/share/vulkan/icd.d/nvidia_icd.json /etc/vulkan/icd.d/nvidia_icd.json /usr/share/vulkan/icd.d/nvidia_icd.json; do
  if [ -z "${VK_DRIVER_FILES:-}" ] && [ -f "$icd" ]; then export VK_DRIVER_FILES=$icd; fi
done
cd "$here"
target=${1:-report}
flags=(--profile "${PROFILE:-local}" --backend "${BACKEND:-auto}")
[ -n "${JOBS:-}" ] && flags+=(--jobs "$JOBS")
if [ "$target" = report ]; then
  exec node --import tsx engine/cli.ts report "${flags[@]}"
else
  exec node --import tsx engine/cli.ts figure "$target" "${flags[@]}"
fi

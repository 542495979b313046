#!/usr/bin/env bash
# Runs experiments on a GPU machine from the carry engine/bundle/device-carry.sh built: unpacks Node and
# node_modules (to /tmp, and a node_modules link in the repository root), points the Vulkan loader at
# NVIDIA's driver, runs the engine, and tars each new artifact folder into $OUT (one file per
# experiment, since what comes back from such a machine is a few flat files).
#
#   engine/bundle/device-run.sh [experiment ...]     (default scan-scaling-gpu; PROFILE default local)
#
# The copy has no .git: pass SOURCE_COMMIT=<sha> (and SOURCE_DIRTY=1 if the tree had changes) so the
# manifests record the commit the run came from.
#
# Back here: tar xf <out>/artifacts-<experiment>.tar  (from the repository root) puts the folder in artifacts/.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
out=${OUT:-$root/build/device-out}
profile=${PROFILE:-local}
ids=("${@:-scan-scaling-gpu}")
mkdir -p "$out"
. "$root/engine/bundle/device-env.sh"
cd "$root"
before=$(mktemp)
folders() { for id in "$@"; do find artifacts/"$id" -mindepth 1 -maxdepth 1 -type d ! -name '.*' 2>/dev/null || true; done | sort; }
folders "${ids[@]}" >"$before"
status=0
node --import tsx engine/cli.ts run "${ids[@]}" --profile "$profile" --backend webgpu || status=$?
for id in "${ids[@]}"; do
  # Every new folder of the experiment (one per cell) in one tar.
  new=$(folders "$id" | comm -13 "$before" -)
  if [ -n "$new" ]; then
    tar cf "$out/artifacts-$id.tar" $new
    echo "device-run: $(echo $new | wc -w) folder(s) -> $out/artifacts-$id.tar"
  fi
  cp artifacts/"$id"/failed-*.log "$out/" 2>/dev/null || true
done
exit $status

#!/usr/bin/env bash
# make bundle: one archive that runs the project on an offline linux-x64 host (a GPU server, say):
# Node's binary, the production node_modules with only the linux-x64 native pieces, the project's
# tracked files (committed artifacts included), the Vulkan loader, and run.sh.
#
#   engine/bundle/bundle.sh [archive]      (default build/bundle/mamba-report-linux-x64.tar.gz)
#
# On the host:  tar xzf mamba-report-linux-x64.tar.gz && mamba-report/run.sh [report | <figure or experiment id>]
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
archive=${1:-$root/build/bundle/mamba-report-linux-x64.tar.gz}
[ "$(uname -s)-$(uname -m)" = Linux-x86_64 ] || { echo "bundle: build it on linux-x64 (the native pieces are this machine's)" >&2; exit 2; }
stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT
app=$stage/mamba-report
mkdir -p "$app/bin" "$app/lib"

# The project as committed (uncommitted edits stay out, so the archive matches a commit).
git -C "$root" archive --format=tar HEAD | tar xf - -C "$app"
git -C "$root" rev-parse HEAD >"$app/COMMIT"

# Production dependencies from the local install, then pruned: no network needed here either.
cp -a "$root/node_modules" "$app/node_modules"
(cd "$app" && npm prune --omit=dev --no-audit --no-fund >/dev/null)
# Dawn ships one dawn.node per platform; keep linux-x64's.
find "$app/node_modules/webgpu/dist" -mindepth 1 -maxdepth 1 ! -name linux-x64 -exec rm -rf {} +

# Node itself.
cp "$(command -v node)" "$app/bin/node"

# Dawn needs the Vulkan loader (libvulkan.so.1); GPU hosts often have the driver but not the loader.
if command -v apt-get >/dev/null; then
  (cd "$stage" && apt-get download libvulkan1 >/dev/null 2>&1 && dpkg-deb -x libvulkan1_*.deb vk) || true
  cp -a "$stage"/vk/usr/lib/x86_64-linux-gnu/libvulkan.so.1* "$app/lib/" 2>/dev/null || echo "bundle: no libvulkan1 package; the host must provide libvulkan.so.1" >&2
fi

cp "$root/engine/bundle/run.sh" "$app/run.sh"
chmod +x "$app/run.sh" "$app/bin/node"
mkdir -p "$(dirname "$archive")"
tar czf "$archive.tmp" -C "$stage" mamba-report
mv "$archive.tmp" "$archive"
echo "bundle: $archive ($(du -h "$archive" | cut -f1))"

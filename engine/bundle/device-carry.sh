#!/usr/bin/env bash
# A compact carry for running experiments on a GPU machine that has no Node and no network, small
# enough to travel with the working tree (the full `make bundle` archive is over 100 MB):
#   <out>/node.xz               this machine's Node binary, stripped, xz-compressed
#   <out>/node_modules.tar.xz   the production node_modules: Dawn's dawn.node for linux-x64 only, and of
#                               each @tensorflow package only what Node loads (package.json, its "main"
#                               CommonJS bundle, the wasm binaries)
#   <out>/lib/                  the Vulkan loader and glvnd's GL dispatch libraries (Debian's libvulkan1,
#                               libglvnd0, libglx0, libegl1, libopengl0, libgl1, libgles2), which the GPU
#                               image lacks and NVIDIA's Vulkan driver needs
# engine/bundle/device-run.sh unpacks it there and runs an experiment.
#
#   engine/bundle/device-carry.sh [out]     (default .gpu, ignored through .git/info/exclude)
set -euo pipefail
GL_PACKAGES="libvulkan1 libglvnd0 libglx0 libegl1 libopengl0 libgl1 libgles2"
root=$(cd "$(dirname "$0")/../.." && pwd)
out=${1:-$root/.gpu}
[ "$(uname -s)-$(uname -m)" = Linux-x86_64 ] || { echo "device-carry: build it on linux-x64 (the native pieces are this machine's)" >&2; exit 2; }
# Ignored (in a worktree too, whose .git is a file): the carry travels only as a carried path.
if [ "$out" = "$root/.gpu" ]; then
  exclude=$(git -C "$root" rev-parse --path-format=absolute --git-path info/exclude 2>/dev/null || echo "$root/.git/info/exclude")
  mkdir -p "$(dirname "$exclude")"
  grep -qx '/.gpu/' "$exclude" 2>/dev/null || echo '/.gpu/' >>"$exclude"
fi
stage=$(mktemp -d)
chmod 755 "$stage" # apt-get download runs as _apt, which must reach it
trap 'rm -rf "$stage"' EXIT
rm -rf "$out"
mkdir -p "$out/lib"

cp "$root/package.json" "$root/package-lock.json" "$stage/"
cp -a "$root/node_modules" "$stage/node_modules"
(cd "$stage" && npm prune --omit=dev --no-audit --no-fund >/dev/null)
nm=$stage/node_modules
find "$nm/webgpu/dist" -mindepth 1 -maxdepth 1 ! -name linux-x64 -exec rm -rf {} +
for pkg in "$nm"/@tensorflow/*/; do
  main=$(node -e 'process.stdout.write(require(process.argv[1]).main || "")' "$pkg/package.json")
  find "$pkg" -type f ! -name package.json ! -path "$pkg$main" ! -name '*.wasm' -delete
  find "$pkg" -type d -empty -delete
done
find "$nm" -name '*.map' -delete
find "$nm" \( -name '*.d.ts' -o -name '*.d.mts' -o -name '*.d.cts' \) -delete
tar -C "$stage" -cf - node_modules | xz -T0 -6 >"$out/node_modules.tar.xz"

strip -o "$stage/node" "$(command -v node)"
xz -T0 -9 -c "$stage/node" >"$out/node.xz"

# NVIDIA's Vulkan driver (libGLX_nvidia.so.0) needs glvnd's dispatch libraries besides the loader.
(cd "$stage" && apt-get download $GL_PACKAGES >/dev/null 2>&1 && for deb in *.deb; do dpkg-deb -x "$deb" gl; done) ||
  echo "device-carry: could not download $GL_PACKAGES; the GPU machine must provide them" >&2
cp -a "$stage"/gl/usr/lib/x86_64-linux-gnu/*.so* "$out/lib/" 2>/dev/null || true
du -sh "$out"/* | sed 's/^/device-carry: /'

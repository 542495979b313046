# Sourced by device-run.sh and bench/device-bench.sh on the GPU machine: unpacks the carry that
# engine/bundle/device-carry.sh built (Node to /tmp, node_modules linked into the repository root),
# puts the bundled Vulkan loader and glvnd libraries on LD_LIBRARY_PATH and points the loader at
# NVIDIA's driver manifest. Expects $root (the repository root); CARRY overrides the carry folder.
carry=${CARRY:-$root/.gpu}
[ -f "$carry/node.xz" ] || { echo "device-env: no carry at $carry (engine/bundle/device-carry.sh builds it; carry it with the call)" >&2; return 2 2>/dev/null || exit 2; }
mkdir -p /tmp/gpu-node
[ -x /tmp/gpu-node/node ] || { xz -dc "$carry/node.xz" >/tmp/gpu-node/node && chmod +x /tmp/gpu-node/node; }
[ -e "$root/node_modules" ] || { xz -dc "$carry/node_modules.tar.xz" | tar -C /tmp/gpu-node -xf - && ln -s /tmp/gpu-node/node_modules "$root/node_modules"; }
export PATH=/tmp/gpu-node:$PATH
export LD_LIBRARY_PATH="$carry/lib${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
for icd in /usr/local/nvidia/share/vulkan/icd.d/nvidia_icd.json /etc/vulkan/icd.d/nvidia_icd.json /usr/share/vulkan/icd.d/nvidia_icd.json; do
  if [ -z "${VK_DRIVER_FILES:-}" ] && [ -f "$icd" ]; then export VK_DRIVER_FILES=$icd; fi
done

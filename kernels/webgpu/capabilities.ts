/** What the opened adapter offers beyond core WebGPU, as the kernels need to know it (set by setup.ts). */
let subgroupWidth: number | null = null;

/** Records the subgroup width when the device has the `subgroups` feature and the width is fixed. */
export function setSubgroupWidth(min: number | undefined, max: number | undefined, enabled: boolean): void {
  subgroupWidth = enabled && min !== undefined && min === max ? min : null;
}

/** 32 on NVIDIA under Vulkan; null where subgroups are absent (llvmpipe's GLES path) or of varying width. */
export const fixedSubgroupWidth = () => subgroupWidth;

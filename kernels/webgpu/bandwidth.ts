/**
 * The device's memory bandwidth as a plain copy reaches it: the ceiling a memory-bound kernel (the
 * fused scan forward) is measured against, in the same run on the same adapter.
 */
/// <reference types="@webgpu/types" />

/** GB/s of a vec4 WGSL copy of `bytes`, counting bytes read plus bytes written (median of 3 trials of 10 copies). */
export async function copyBandwidth(device: GPUDevice, bytes: number): Promise<number> {
  const code = /* wgsl */ `
@group(0) @binding(0) var<storage, read> src: array<vec4<f32>>;
@group(0) @binding(1) var<storage, read_write> dst: array<vec4<f32>>;
@compute @workgroup_size(256)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nw: vec3<u32>) {
  let stride = nw.x * 256u;
  for (var i = gid.x; i < arrayLength(&src); i = i + stride) { dst[i] = src[i] * 1.0001; }
}`;
  const usage = GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_DST;
  const src = device.createBuffer({ size: bytes, usage });
  const dst = device.createBuffer({ size: bytes, usage });
  // Not zeros: a pattern written in pieces (large mapped writes are what broke Dawn on Vulkan).
  const piece = Float32Array.from({ length: 1 << 20 }, (_, i) => Math.sin(i));
  for (let off = 0; off < bytes; off += piece.byteLength) device.queue.writeBuffer(src, off, piece, 0, Math.min(piece.length, (bytes - off) / 4));
  const pipeline = device.createComputePipeline({ layout: 'auto', compute: { module: device.createShaderModule({ code }), entryPoint: 'main' } });
  const bind = device.createBindGroup({ layout: pipeline.getBindGroupLayout(0), entries: [{ binding: 0, resource: { buffer: src } }, { binding: 1, resource: { buffer: dst } }] });
  const groups = Math.min(65535, Math.ceil(bytes / 16 / 256));
  const run = async (reps: number) => {
    const enc = device.createCommandEncoder();
    for (let i = 0; i < reps; i++) {
      const pass = enc.beginComputePass();
      pass.setPipeline(pipeline);
      pass.setBindGroup(0, bind);
      pass.dispatchWorkgroups(groups);
      pass.end();
    }
    device.queue.submit([enc.finish()]);
    await device.queue.onSubmittedWorkDone();
  };
  await run(2);
  const per: number[] = [];
  for (let t = 0; t < 3; t++) {
    const start = performance.now();
    await run(10);
    per.push((performance.now() - start) / 1e3 / 10);
  }
  src.destroy();
  dst.destroy();
  const sec = per.sort((a, b) => a - b)[1]!;
  return (2 * bytes) / sec / 1e9;
}

/**
 * Is there a hardware WebGPU adapter on this machine? Prints one JSON line
 * `{"adapter": <label or null>, "hardware": <boolean>}` and exits.
 *
 * The build runs this in a child process when BACKEND=auto (opening Dawn takes a second or more, so the
 * engine caches the answer per machine): a real GPU makes `auto` mean webgpu; a software renderer such
 * as llvmpipe does not count. Run by hand: `node --import tsx kernels/webgpu/probe.ts`.
 */
import { openAdapter } from './dawn.ts';
import { adapterLabel, isSoftwareAdapter } from './setup.ts';

async function probe(): Promise<{ adapter: string | null; hardware: boolean }> {
  const opened = await openAdapter();
  if (!opened) return { adapter: null, hardware: false };
  const info = (opened.adapter as unknown as { info: GPUAdapterInfo }).info;
  const described = { vendor: info.vendor, device: info.device, description: info.description };
  return { adapter: adapterLabel({ ...described, dawnBackend: opened.dawnBackend }), hardware: !isSoftwareAdapter(described) };
}

probe().then(
  (answer) => {
    process.stdout.write(JSON.stringify(answer) + '\n');
    // dawn.node keeps the event loop alive.
    process.exit(0);
  },
  (error: unknown) => {
    process.stderr.write(`${(error as Error).message}\n`);
    process.stdout.write(JSON.stringify({ adapter: null, hardware: false }) + '\n');
    process.exit(0);
  },
);

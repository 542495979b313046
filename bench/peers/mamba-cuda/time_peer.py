"""Times the official Mamba selective-scan CUDA kernel (built by build.sh) the way bench/webgpu.bench.ts
times the WGSL scan: fp32, z, D, delta bias and softplus on, B and C selective (b, 1, n, l); forward
alone, and forward then backward; the median of 3 trials after a warm-up, each trial several calls
between CUDA events. Prints one JSON object: device, torch, copy GB/s (a 1 GiB device copy, read +
write), and per shape the forward and forward+backward seconds.

    PYTHONPATH=<build.sh's out-dir> python3 time_peer.py '[[8,4096,2048],[1,512,65536]]'
Exit 3: no CUDA PyTorch or no built extension.
"""
import json
import sys

try:
    import torch
    import selective_scan_cuda
except ImportError as e:
    print(f"time_peer: {e}", file=sys.stderr)
    sys.exit(3)
if not torch.cuda.is_available():
    sys.exit(3)


def median_seconds(fn, reps, trials=3):
    fn()
    torch.cuda.synchronize()
    per = []
    for _ in range(trials):
        begin = torch.cuda.Event(enable_timing=True)
        end = torch.cuda.Event(enable_timing=True)
        begin.record()
        for _ in range(reps):
            fn()
        end.record()
        torch.cuda.synchronize()
        per.append(begin.elapsed_time(end) / 1e3 / reps)
    return sorted(per)[len(per) // 2]


def main():
    shapes = json.loads(sys.argv[1])
    n = int(sys.argv[2]) if len(sys.argv) > 2 else 16
    dev = "cuda"
    torch.manual_seed(0)
    copy_bytes = 1 << 30
    src = torch.empty(copy_bytes // 4, device=dev)
    dst = torch.empty_like(src)
    copy = 2 * copy_bytes / median_seconds(lambda: dst.copy_(src), 20)
    del src, dst
    rows = []
    for b, d, l in shapes:
        u = torch.randn(b, d, l, device=dev)
        delta = torch.rand(b, d, l, device=dev) * 0.1
        A = -torch.rand(d, n, device=dev)
        B = torch.randn(b, 1, n, l, device=dev)
        C = torch.randn(b, 1, n, l, device=dev)
        D = torch.randn(d, device=dev)
        z = torch.randn(b, d, l, device=dev)
        bias = torch.rand(d, device=dev)
        fwd = lambda: selective_scan_cuda.fwd(u, delta, A, B, C, D, z, bias, True)
        forward = median_seconds(fwd, 10)
        out, x, out_z = fwd()
        dout = torch.randn_like(out_z)

        def both():
            o, xs, _ = selective_scan_cuda.fwd(u, delta, A, B, C, D, z, bias, True)
            selective_scan_cuda.bwd(u, delta, A, B, C, D, z, bias, dout, xs, o, None, True, False)

        train = median_seconds(both, 4)
        rows.append({"b": b, "d": d, "l": l, "n": n, "forwardSeconds": forward, "forwardBackwardSeconds": train})
        del u, delta, B, C, z, out, x, out_z, dout
        torch.cuda.empty_cache()
    print(json.dumps({"device": torch.cuda.get_device_name(), "torch": torch.__version__, "copyGBps": copy / 1e9, "shapes": rows}))


main()

"""PyTorch peer for bench/webgpu.bench.ts: the sequential selective scan (selective_scan_ref semantics,
mamba_ssm/ops/selective_scan_interface.py, stepped over l as in mamba-minimal so no (b, d, l, n) tensor
is built) and a device-to-device copy, on the same CUDA GPU, timed with CUDA events.

Usage: python3 scan_torch_gpu.py '{"copy_bytes": N, "scans": [{"b":..,"d":..,"l":..,"n":..}, ...]}'
Prints one JSON object. Exits 3 when torch or CUDA is absent (the bench reports "not available").
"""
import json
import sys

try:
    import torch
except ImportError:
    sys.exit(3)
if not torch.cuda.is_available():
    sys.exit(3)


def timed(fn, reps):
    fn()
    torch.cuda.synchronize()
    times = []
    for _ in range(reps):
        start, end = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
        start.record()
        fn()
        end.record()
        torch.cuda.synchronize()
        times.append(start.elapsed_time(end) / 1e3)
    return sorted(times)[len(times) // 2]


def scan_ref(u, delta, A, B, C, D, z, bias):
    """y = selective_scan_ref(u, delta, A, B, C, D, z, bias, delta_softplus=True), one step at a time."""
    delta = torch.nn.functional.softplus(delta + bias[:, None])  # (b, d, l)
    b, d, l = u.shape
    h = u.new_zeros(b, d, A.shape[1])  # (b, d, n)
    ys = []
    for t in range(l):
        dA = torch.exp(delta[:, :, t, None] * A)  # (b, d, n)
        dBu = (delta[:, :, t] * u[:, :, t])[:, :, None] * B[:, None, :, t]  # (b, d, n)
        h = dA * h + dBu
        ys.append(torch.einsum('bdn,bn->bd', h, C[:, :, t]))
    y = torch.stack(ys, dim=2) + u * D[:, None]
    return y * torch.nn.functional.silu(z)


def main():
    spec = json.loads(sys.argv[1])
    g = torch.Generator(device='cuda').manual_seed(0)
    out = {'device': torch.cuda.get_device_name(0), 'torch': torch.__version__, 'scans': []}
    n_words = spec['copy_bytes'] // 4
    src = torch.rand(n_words, device='cuda', generator=g)
    dst = torch.empty_like(src)
    sec = timed(lambda: dst.copy_(src), 10)
    out['copy_gbps'] = 2 * spec['copy_bytes'] / sec / 1e9
    del src, dst
    for s in spec['scans']:
        b, d, l, n = s['b'], s['d'], s['l'], s['n']
        r = lambda *shape: torch.rand(*shape, device='cuda', generator=g) * 2 - 1
        u, delta, z = r(b, d, l), r(b, d, l), r(b, d, l)
        A = -torch.exp(r(d, n))
        B, C, D, bias = r(b, n, l), r(b, n, l), r(d), r(d)
        with torch.no_grad():
            sec = timed(lambda: scan_ref(u, delta, A, B, C, D, z, bias), 3)
        out['scans'].append({**s, 'seconds': sec})
        del u, delta, z, B, C
        torch.cuda.empty_cache()
    print(json.dumps(out))


main()

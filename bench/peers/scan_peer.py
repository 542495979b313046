"""Mamba's sequential reference scan in PyTorch on the CPU: the peer of bench/scan.bench.ts.

selective_scan_ref from mamba_ssm/ops/selective_scan_interface.py (state-spaces/mamba), real A, selective
(b, n, l) B and C, with D, z, delta_bias and softplus, transcribed here (the mamba_ssm package needs CUDA to
install). Usage: /usr/bin/python3 scan_peer.py b d n l repeats [backward=1]  -> prints JSON with wall
milliseconds of the forward and (when backward is 1) of forward+backward, and the thread count.
"""
import json
import sys
import time

import torch
import torch.nn.functional as F


def selective_scan_ref(u, delta, A, B, C, D, z, delta_bias, delta_softplus=True):
    delta = delta + delta_bias[..., None]
    if delta_softplus:
        delta = F.softplus(delta)
    batch, dim, dstate = u.shape[0], A.shape[0], A.shape[1]
    x = A.new_zeros((batch, dim, dstate))
    ys = []
    deltaA = torch.exp(torch.einsum("bdl,dn->bdln", delta, A))
    deltaB_u = torch.einsum("bdl,bnl,bdl->bdln", delta, B, u)
    for i in range(u.shape[2]):
        x = deltaA[:, :, i] * x + deltaB_u[:, :, i]
        ys.append(torch.einsum("bdn,bn->bd", x, C[:, :, i]))
    y = torch.stack(ys, dim=2)
    out = y + u * D[:, None]
    return out * F.silu(z)


def main():
    b, d, n, l, repeats = (int(x) for x in sys.argv[1:6])
    backward = len(sys.argv) < 7 or sys.argv[6] == "1"
    g = torch.Generator().manual_seed(0)
    rand = lambda *shape, lo=-1.0, hi=1.0: (lo + (hi - lo) * torch.rand(*shape, generator=g)).requires_grad_()
    u, delta, z = rand(b, d, l), rand(b, d, l, lo=-3.0, hi=1.0), rand(b, d, l, lo=-2.0, hi=2.0)
    A = (-torch.exp(-1.0 + 2.5 * torch.rand(d, n, generator=g))).requires_grad_()
    B, C, D, bias = rand(b, n, l), rand(b, n, l), rand(d), rand(d, lo=-1.0, hi=0.5)
    inputs = [u, delta, A, B, C, D, z, bias]

    def forward():
        with torch.no_grad():
            selective_scan_ref(*inputs)

    def forward_backward():
        selective_scan_ref(*inputs).sum().backward()
        for t in inputs:
            t.grad = None

    def times(f):
        f()  # warm-up
        out = []
        for _ in range(repeats):
            t0 = time.perf_counter()
            f()
            out.append((time.perf_counter() - t0) * 1e3)
        return out

    print(json.dumps({
        "torch": torch.__version__,
        "threads": torch.get_num_threads(),
        "forwardMs": times(forward),
        "forwardBackwardMs": times(forward_backward) if backward else None,
    }))


if __name__ == "__main__":
    main()

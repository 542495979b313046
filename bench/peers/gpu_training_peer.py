"""PyTorch on the GPU, the peer of bench/gpu-training.bench.ts: training steps of the same models with
the same shapes, fp32 eager, timed between cuda synchronisations (peer_timing.timed: median of `repeats`
groups of steps after a warm-up group), the loss read back (.item()) every step as a training loop does.

Models, imported from the CPU peers so there is one PyTorch copy of each:
  mamba:    translation_peer.MambaLM (decoder-only Mamba, RMSNorm, tied head), loss on every position,
            torch.optim.Adam(lr 1e-3); its selective scan is state-spaces/mamba's CUDA kernel
            (selective_scan_cuda, built by bench/peers/mamba-cuda/build.sh and found on PYTHONPATH),
            else the PyTorch loop over time, and the output says which;
  resnet:   medmamba_peer.ResNet, medmamba: medmamba_peer.VSSM (its scan is the PyTorch loop), Adam(lr 1e-4).
Usage: python gpu_training_peer.py '<json config>' warmup repeats -> one JSON object on the last stdout line.
"""
import json
import sys

import torch
import torch.nn.functional as F

import medmamba_peer
import translation_peer
from peer_timing import timed

try:
    import selective_scan_cuda
except ImportError:
    selective_scan_cuda = None


class CudaScan(torch.autograd.Function):
    """selective_scan_ref(u, delta, A, B, C, D, z, delta_bias) with softplus, B and C (b, n, l), through the CUDA kernel."""

    @staticmethod
    def forward(ctx, u, delta, A, B, C, D, z, delta_bias):
        u, delta, z = u.contiguous(), delta.contiguous(), z.contiguous()
        B, C = B.unsqueeze(1).contiguous(), C.unsqueeze(1).contiguous()  # (b, 1, n, l): one group
        out, x, out_z = selective_scan_cuda.fwd(u, delta, A, B, C, D, z, delta_bias, True)
        ctx.save_for_backward(u, delta, A, B, C, D, z, delta_bias, x, out)
        return out_z

    @staticmethod
    def backward(ctx, dout):
        u, delta, A, B, C, D, z, delta_bias, x, out = ctx.saved_tensors
        du, ddelta, dA, dB, dC, dD, ddelta_bias, dz = selective_scan_cuda.bwd(
            u, delta, A, B, C, D, z, delta_bias, dout.contiguous(), x, out, None, True, False)
        return du, ddelta, dA, dB.squeeze(1), dC.squeeze(1), dD, dz, ddelta_bias


def timed_steps(step, warmup, repeats, per_group):
    """peer_timing.timed over groups of `per_group` steps, each ended by a cuda synchronisation; ms per step."""
    def group():
        for _ in range(per_group):
            step()
        torch.cuda.synchronize()
    t = timed(group, max(1, warmup // per_group), repeats)
    return {**{k: t[k] / per_group for k in ("medianMs", "minMs", "maxMs")}, "repeats": repeats, "stepsPerRepeat": per_group}


def train_step(model, opt, loss_fn):
    def step():
        opt.zero_grad(set_to_none=True)
        loss = loss_fn()
        loss.backward()
        opt.step()
        loss.item()
    return step


def main():
    cfg = json.loads(sys.argv[1])
    warmup, repeats = int(sys.argv[2]), int(sys.argv[3])
    if not torch.cuda.is_available():
        print("no CUDA device", file=sys.stderr)
        sys.exit(3)
    dev = "cuda"
    torch.manual_seed(0)
    if selective_scan_cuda is not None:
        translation_peer.selective_scan_ref = CudaScan.apply
    out = {"device": torch.cuda.get_device_name(), "torch": torch.__version__,
           "mambaScan": "official CUDA kernel (selective_scan_cuda)" if selective_scan_cuda else "PyTorch loop over time (selective_scan_cuda not found)",
           "mamba": [], "images": {}}
    v = cfg["vocab"]
    g = torch.Generator(device=dev).manual_seed(0)
    for shape in cfg["mamba"]:
        b, l = shape["batch"], shape["length"]
        model = translation_peer.MambaLM(v, shape["dModel"], shape["nLayer"]).to(dev)
        opt = torch.optim.Adam(model.parameters(), lr=1e-3)
        tokens = torch.randint(0, v, (b, l), device=dev, generator=g)
        targets = torch.randint(0, v, (b, l), device=dev, generator=g)
        timing = timed_steps(train_step(model, opt, lambda: F.cross_entropy(model(tokens).reshape(-1, v), targets.reshape(-1))), warmup, repeats, shape["steps"])
        out["mamba"].append({**shape, "params": sum(p.numel() for p in model.parameters()), "train": timing})
        del model, opt
        torch.cuda.empty_cache()
    im = cfg["images"]
    b, side, chans, classes = im["batch"], im["side"], im["inChans"], im["numClasses"]
    x = torch.rand(b, chans, side, side, device=dev, generator=g)
    y = torch.randint(0, classes, (b,), device=dev, generator=g)
    models = {
        "resnet": lambda: medmamba_peer.ResNet(chans, classes, im["resnet"]["width"], im["resnet"]["blocks"], im["resnet"].get("stemStride", 1)),
        "medmamba": lambda: medmamba_peer.VSSM(chans, classes, im["medmamba"]["depths"], im["medmamba"]["dims"], im["medmamba"]["dropPath"]),
    }
    for name, make in models.items():
        model = make().to(dev).train()
        opt = torch.optim.Adam(model.parameters(), lr=1e-4)
        timing = timed_steps(train_step(model, opt, lambda: F.cross_entropy(model(x), y)), warmup, repeats, im["steps"])
        out["images"][name] = {"params": sum(p.numel() for p in model.parameters()), "train": timing}
        del model, opt
    print(json.dumps(out))


if __name__ == "__main__":
    main()

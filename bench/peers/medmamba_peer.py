"""PyTorch on the CPU, the peer of bench/medmamba.bench.ts: the same two image classifiers with the
same shapes, Adam, seeded random data, timed the same way (median wall and CPU milliseconds of one
training step and of one inference forward, after warm-up steps).

Models (as experiments/models/medmamba.ts and resnet.ts):
  medmamba: MedMamba's VSSM (patch embed 4x4 conv + LayerNorm, four stages of SS-Conv-SSM blocks,
            PatchMerging2D, mean-pool head), SS2D with four scan directions, each with its own
            x_proj, dt_proj, A_log, D, scanned together over the 4e stacked channels.
            NB: the selective scan here is a plain PyTorch loop over the sequence (selective_scan_ref's
            recurrence), not mamba_ssm's CUDA kernel, which has no CPU version.
  resnet:   CIFAR-style ResNet of BasicBlocks (3x3 stem of stride 1 or 2, no max-pool), widths w, 2w, 4w, 8w.
Loss: softmax cross-entropy; optimiser torch.optim.Adam(lr 1e-4).
Usage: /usr/bin/python3 medmamba_peer.py '<json config>' warmup repeats threads
-> prints the BLAS and thread lines to stderr and one JSON object on the last stdout line.
"""
import json
import math
import sys

import torch
import torch.nn as nn
import torch.nn.functional as F

from peer_timing import blas, timed


def selective_scan(u, delta, A, B, C, D, delta_bias):
    """selective_scan_ref with grouped B, C (b, g, n, l), softplus on delta + bias, D skip, no z.
    u, delta (b, d, l); A (d, n); D, delta_bias (d). A loop over l."""
    b, d, l = u.shape
    g = B.shape[1]
    delta = F.softplus(delta + delta_bias[None, :, None])
    Bx = B.repeat_interleave(d // g, dim=1)  # (b, d, n, l)
    Cx = C.repeat_interleave(d // g, dim=1)
    dA = torch.exp(delta.unsqueeze(2) * A[None, :, :, None])  # (b, d, n, l)
    dBu = delta.unsqueeze(2) * Bx * u.unsqueeze(2)
    h = u.new_zeros(b, d, A.shape[1])  # on u's device
    ys = []
    for t in range(l):
        h = dA[..., t] * h + dBu[..., t]
        ys.append((h * Cx[..., t]).sum(-1))
    return torch.stack(ys, -1) + u * D[None, :, None]


class SS2D(nn.Module):
    def __init__(self, m, n=16, expand=2, k=3):
        super().__init__()
        e = expand * m
        r = math.ceil(m / 16)
        self.e, self.n, self.r = e, n, r
        self.in_proj = nn.Linear(m, 2 * e, bias=False)
        self.conv2d = nn.Conv2d(e, e, k, padding=(k - 1) // 2, groups=e)
        self.x_proj_weight = nn.Parameter(torch.randn(4, r + 2 * n, e) / math.sqrt(e))
        self.dt_projs_weight = nn.Parameter(torch.rand(4, e, r) * 2 * r ** -0.5 - r ** -0.5)
        self.dt_projs_bias = nn.Parameter(torch.rand(4, e) * 0.1 - 4)
        self.A_logs = nn.Parameter(torch.log(torch.arange(1, n + 1, dtype=torch.float32)).repeat(4 * e, 1))
        self.Ds = nn.Parameter(torch.ones(4 * e))
        self.out_norm = nn.LayerNorm(e)
        self.out_proj = nn.Linear(e, m, bias=False)

    def forward(self, x):  # (b, h, w, m)
        b, h, w, _ = x.shape
        l = h * w
        x, z = self.in_proj(x).chunk(2, dim=-1)
        x = F.silu(self.conv2d(x.permute(0, 3, 1, 2)))  # (b, e, h, w)
        hw = torch.stack([x.reshape(b, -1, l), x.transpose(2, 3).reshape(b, -1, l)], 1)  # (b, 2, e, l)
        xs = torch.cat([hw, hw.flip(-1)], 1)  # (b, 4, e, l)
        dbl = torch.einsum("bkel,kce->bkcl", xs, self.x_proj_weight)
        dt, Bs, Cs = dbl.split([self.r, self.n, self.n], dim=2)
        dt = torch.einsum("bkrl,ker->bkel", dt, self.dt_projs_weight)
        y = selective_scan(xs.reshape(b, -1, l), dt.reshape(b, -1, l), -torch.exp(self.A_logs), Bs, Cs, self.Ds,
                           self.dt_projs_bias.reshape(-1)).reshape(b, 4, -1, l)
        inv = y[:, 2:].flip(-1)
        wh = lambda t: t.reshape(b, -1, w, h).transpose(2, 3).reshape(b, -1, l)
        y = y[:, 0] + inv[:, 0] + wh(y[:, 1]) + wh(inv[:, 1])  # (b, e, l)
        y = self.out_norm(y.transpose(1, 2).reshape(b, h, w, -1)) * F.silu(z)
        return self.out_proj(y)


class SSConvSSM(nn.Module):
    def __init__(self, c, drop):
        super().__init__()
        m = c // 2
        self.ln_1 = nn.LayerNorm(m)
        self.self_attention = SS2D(m)
        self.drop = drop
        self.conv33conv33conv11 = nn.Sequential(
            nn.BatchNorm2d(m), nn.Conv2d(m, m, 3, padding=1), nn.BatchNorm2d(m), nn.ReLU(),
            nn.Conv2d(m, m, 3, padding=1), nn.BatchNorm2d(m), nn.ReLU(), nn.Conv2d(m, m, 1), nn.ReLU())

    def forward(self, x):  # (b, h, w, c)
        left, right = x.chunk(2, dim=-1)
        r = self.self_attention(self.ln_1(right))
        if self.training and self.drop > 0:
            keep = (torch.rand(x.shape[0], 1, 1, 1, device=x.device) >= self.drop).to(x.dtype) / (1 - self.drop)
            r = r * keep
        lft = self.conv33conv33conv11(left.permute(0, 3, 1, 2)).permute(0, 2, 3, 1)
        out = torch.cat([lft, r], -1)
        b, h, w, c = out.shape
        out = out.view(b, h, w, 2, c // 2).transpose(3, 4).reshape(b, h, w, c)
        return out + x


class PatchMerging2D(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.norm = nn.LayerNorm(4 * c)
        self.reduction = nn.Linear(4 * c, 2 * c, bias=False)

    def forward(self, x):
        x = torch.cat([x[:, 0::2, 0::2], x[:, 1::2, 0::2], x[:, 0::2, 1::2], x[:, 1::2, 1::2]], -1)
        return self.reduction(self.norm(x))


class VSSM(nn.Module):
    def __init__(self, in_chans, classes, depths, dims, drop_path=0.1):
        super().__init__()
        self.proj = nn.Conv2d(in_chans, dims[0], 4, stride=4)
        self.norm = nn.LayerNorm(dims[0])
        rates = torch.linspace(0, drop_path, sum(depths)).tolist()
        layers, at = [], 0
        for i, (d, c) in enumerate(zip(depths, dims)):
            layers += [SSConvSSM(c, rates[at + j]) for j in range(d)]
            at += d
            if i < 3:
                layers.append(PatchMerging2D(c))
        self.layers = nn.Sequential(*layers)
        self.head = nn.Linear(dims[3], classes)

    def forward(self, x):  # (b, c, h, w)
        x = self.norm(self.proj(x).permute(0, 2, 3, 1))
        return self.head(self.layers(x).mean((1, 2)))


class BasicBlock(nn.Module):
    def __init__(self, cin, cout, stride):
        super().__init__()
        self.conv1 = nn.Conv2d(cin, cout, 3, stride, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(cout)
        self.conv2 = nn.Conv2d(cout, cout, 3, 1, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(cout)
        self.down = None
        if stride != 1 or cin != cout:
            self.down = nn.Sequential(nn.Conv2d(cin, cout, 1, stride, bias=False), nn.BatchNorm2d(cout))

    def forward(self, x):
        y = self.bn2(self.conv2(F.relu(self.bn1(self.conv1(x)))))
        return F.relu(y + (self.down(x) if self.down is not None else x))


class ResNet(nn.Module):
    def __init__(self, in_chans, classes, width, blocks, stem_stride=1):
        super().__init__()
        self.stem = nn.Sequential(nn.Conv2d(in_chans, width, 3, stem_stride, 1, bias=False), nn.BatchNorm2d(width), nn.ReLU())
        layers, cin = [], width
        for i, nb in enumerate(blocks):
            for j in range(nb):
                cout = width * 2 ** i
                layers.append(BasicBlock(cin, cout, 2 if i > 0 and j == 0 else 1))
                cin = cout
        self.layers = nn.Sequential(*layers)
        self.fc = nn.Linear(8 * width, classes)

    def forward(self, x):
        return self.fc(self.layers(self.stem(x)).mean((2, 3)))


def measure(model, x, y, warmup, repeats):
    opt = torch.optim.Adam(model.parameters(), lr=1e-4)

    def step():
        model.train()
        opt.zero_grad()
        loss = F.cross_entropy(model(x), y)
        loss.backward()
        opt.step()
        loss.item()

    def infer():
        model.eval()
        with torch.no_grad():
            model(x).sum().item()

    return {"train": timed(step, warmup, repeats), "infer": timed(infer, warmup, repeats),
            "params": sum(p.numel() for p in model.parameters())}


def main():
    cfg = json.loads(sys.argv[1])
    warmup, repeats, threads = int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
    torch.set_num_threads(threads)
    torch.manual_seed(0)
    b, side, chans, classes = cfg["batch"], cfg["side"], cfg["inChans"], cfg["numClasses"]
    g = torch.Generator().manual_seed(0)
    x = torch.rand(b, chans, side, side, generator=g)
    y = torch.randint(0, classes, (b,), generator=g)
    out = {"torch": torch.__version__, "threads": torch.get_num_threads(), "blas": blas()}
    print(f"PyTorch {out['torch']}, {out['threads']} threads, BLAS {out['blas']}", file=sys.stderr)
    mm = cfg["medmamba"]
    out["medmamba"] = measure(VSSM(chans, classes, mm["depths"], mm["dims"]), x, y, warmup, repeats)
    rn = cfg["resnet"]
    out["resnet"] = measure(ResNet(chans, classes, rn["width"], rn["blocks"], rn.get("stemStride", 1)), x, y, warmup, repeats)
    print(json.dumps(out))


if __name__ == "__main__":
    main()

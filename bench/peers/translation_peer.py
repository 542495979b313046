"""The translation models in PyTorch on the CPU: the peer of bench/translation.bench.ts.

Same shapes and layouts as experiments/models/transformer-seq2seq.ts and mamba.ts (the project's own):
- encoder-decoder Transformer, pre-norm with RMSNorm, no biases, GELU (tanh) MLP, sinusoidal positions,
  one embedding table for source, target and output, inputs scaled by sqrt(d);
- decoder-only Mamba (mamba_simple.Mamba without the fused CUDA path: selective_scan_ref's sequential
  loop over time, as bench/peers/scan_peer.py), RMSNorm, tied head, and its single-token `step`.
Training: one AdamW step on label-smoothed cross-entropy (0.1) of a batch. Decoding: greedy steps of a
batch from the state after the prompt (Transformer: key/value cache; Mamba: recurrent state).
Usage: /usr/bin/python3 translation_peer.py '<json config>' warmup repeats threads -> JSON on stdout.
"""
import json
import math
import sys

import torch
import torch.nn as nn
import torch.nn.functional as F

from peer_timing import blas, timed


class RMSNorm(nn.Module):
    def __init__(self, d, eps=1e-5):
        super().__init__()
        self.weight = nn.Parameter(torch.ones(d))
        self.eps = eps

    def forward(self, x):
        return x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + self.eps) * self.weight


def gelu(x):
    return 0.5 * x * (1 + torch.tanh(math.sqrt(2 / math.pi) * (x + 0.044715 * x ** 3)))


def sinusoid(length, d, offset=0):
    pos = torch.arange(offset, offset + length, dtype=torch.float32)[:, None]
    i = torch.arange(0, d, 2, dtype=torch.float32)[None, :]
    angle = pos / (10000 ** (i / d))
    pe = torch.zeros(length, d)
    pe[:, 0::2] = torch.sin(angle)
    pe[:, 1::2] = torch.cos(angle)
    return pe


class Attention(nn.Module):
    def __init__(self, d, h):
        super().__init__()
        self.h = h
        self.q = nn.Linear(d, d, bias=False)
        self.kv = nn.Linear(d, 2 * d, bias=False)
        self.proj = nn.Linear(d, d, bias=False)

    def heads(self, x):
        b, l, d = x.shape
        return x.view(b, l, self.h, d // self.h).transpose(1, 2)

    def keys_values(self, x):
        k, v = self.kv(x).chunk(2, -1)
        return self.heads(k), self.heads(v)

    def attend(self, x, k, v, mask):
        b, l, d = x.shape
        q = self.heads(self.q(x))
        s = q @ k.transpose(-1, -2) / math.sqrt(d // self.h)
        if mask is not None:
            s = s + mask
        return self.proj((s.softmax(-1) @ v).transpose(1, 2).reshape(b, l, d))


class MLP(nn.Module):
    def __init__(self, d, f):
        super().__init__()
        self.fc = nn.Linear(d, f, bias=False)
        self.proj = nn.Linear(f, d, bias=False)

    def forward(self, x):
        return self.proj(gelu(self.fc(x)))


class Seq2Seq(nn.Module):
    def __init__(self, v, d, layers, h, ratio):
        super().__init__()
        self.d = d
        self.emb = nn.Embedding(v, d)
        self.enc = nn.ModuleList([nn.ModuleList([RMSNorm(d), Attention(d, h), RMSNorm(d), MLP(d, ratio * d)]) for _ in range(layers)])
        self.enc_norm = RMSNorm(d)
        self.dec = nn.ModuleList([nn.ModuleList([RMSNorm(d), Attention(d, h), RMSNorm(d), Attention(d, h), RMSNorm(d), MLP(d, ratio * d)]) for _ in range(layers)])
        self.dec_norm = RMSNorm(d)

    def embed(self, t, offset=0):
        return self.emb(t) * math.sqrt(self.d) + sinusoid(t.shape[1], self.d, offset)

    def encode(self, src):
        mask = ((src == 0).float() * -1e9)[:, None, None, :]
        x = self.embed(src)
        for n1, att, n2, mlp in self.enc:
            y = n1(x)
            k, v = att.keys_values(y)
            x = x + att.attend(y, k, v, mask)
            x = x + mlp(n2(x))
        return self.enc_norm(x), mask

    def forward(self, src, tgt_in):
        mem, mask = self.encode(src)
        t = tgt_in.shape[1]
        causal = torch.triu(torch.full((t, t), -1e9), 1)
        x = self.embed(tgt_in)
        for n1, sa, n2, ca, n3, mlp in self.dec:
            y = n1(x)
            k, v = sa.keys_values(y)
            x = x + sa.attend(y, k, v, causal)
            mk, mv = ca.keys_values(mem)
            x = x + ca.attend(n2(x), mk, mv, mask)
            x = x + mlp(n3(x))
        return self.dec_norm(x) @ self.emb.weight.t()

    def start(self, src):
        mem, mask = self.encode(src)
        cache = [dict(k=None, v=None, mk=ca.keys_values(mem)[0], mv=ca.keys_values(mem)[1]) for _, _, _, ca, _, _ in self.dec]
        return dict(cache=cache, mask=mask, pos=0)

    def step(self, tokens, state):
        x = self.embed(tokens[:, None], state["pos"])
        for (n1, sa, n2, ca, n3, mlp), c in zip(self.dec, state["cache"]):
            y = n1(x)
            k1, v1 = sa.keys_values(y)
            c["k"] = k1 if c["k"] is None else torch.cat([c["k"], k1], 2)
            c["v"] = v1 if c["v"] is None else torch.cat([c["v"], v1], 2)
            x = x + sa.attend(y, c["k"], c["v"], None)
            x = x + ca.attend(n2(x), c["mk"], c["mv"], state["mask"])
            x = x + mlp(n3(x))
        state["pos"] += 1
        return (self.dec_norm(x) @ self.emb.weight.t())[:, 0].log_softmax(-1)


def selective_scan_ref(u, delta, A, B, C, D, z, delta_bias):
    delta = F.softplus(delta + delta_bias[..., None])
    b, e, n = u.shape[0], A.shape[0], A.shape[1]
    x = A.new_zeros((b, e, n))
    dA = torch.exp(torch.einsum("bdl,dn->bdln", delta, A))
    dBu = torch.einsum("bdl,bnl,bdl->bdln", delta, B, u)
    ys = []
    for i in range(u.shape[2]):
        x = dA[:, :, i] * x + dBu[:, :, i]
        ys.append(torch.einsum("bdn,bn->bd", x, C[:, :, i]))
    y = torch.stack(ys, dim=2) + u * D[:, None]
    return y * F.silu(z)


class Mixer(nn.Module):
    def __init__(self, d, n=16, k=4, expand=2):
        super().__init__()
        e = expand * d
        self.e, self.n, self.k, self.r = e, n, k, math.ceil(d / 16)
        self.in_proj = nn.Linear(d, 2 * e, bias=False)
        self.conv = nn.Conv1d(e, e, k, groups=e, padding=k - 1)
        self.x_proj = nn.Linear(e, self.r + 2 * n, bias=False)
        self.dt_proj = nn.Linear(self.r, e)
        self.A_log = nn.Parameter(torch.log(torch.arange(1, n + 1, dtype=torch.float32)).repeat(e, 1))
        self.D = nn.Parameter(torch.ones(e))
        self.out_proj = nn.Linear(e, d, bias=False)

    def forward(self, h):  # (b, l, d)
        l = h.shape[1]
        x, z = self.in_proj(h).chunk(2, -1)
        x = F.silu(self.conv(x.transpose(1, 2))[..., :l])  # (b, e, l)
        dt, B, C = self.x_proj(x.transpose(1, 2)).split([self.r, self.n, self.n], -1)
        delta = (dt @ self.dt_proj.weight.t()).transpose(1, 2)
        y = selective_scan_ref(x, delta, -torch.exp(self.A_log), B.transpose(1, 2), C.transpose(1, 2), self.D, z.transpose(1, 2), self.dt_proj.bias)
        return self.out_proj(y.transpose(1, 2))

    def step(self, h, conv_state, ssm_state):  # h (b, d)
        x, z = self.in_proj(h).chunk(2, -1)
        conv_state = torch.cat([conv_state[:, :, 1:], x[:, :, None]], 2)  # (b, e, k)
        x = F.silu((conv_state * self.conv.weight[:, 0]).sum(-1) + self.conv.bias)
        dt, B, C = self.x_proj(x).split([self.r, self.n, self.n], -1)
        dt = F.softplus(self.dt_proj(dt))
        A = -torch.exp(self.A_log)
        ssm_state = ssm_state * torch.exp(dt[..., None] * A) + dt[..., None] * B[:, None] * x[..., None]
        y = (ssm_state * C[:, None]).sum(-1) + self.D * x
        return self.out_proj(y * F.silu(z)), conv_state, ssm_state


class MambaLM(nn.Module):
    def __init__(self, v, d, layers):
        super().__init__()
        self.emb = nn.Embedding(v, d)
        self.layers = nn.ModuleList([nn.ModuleList([RMSNorm(d), Mixer(d)]) for _ in range(layers)])
        self.norm_f = RMSNorm(d)

    def forward(self, t):
        h, res = self.emb(t), None
        for norm, mixer in self.layers:
            res = h if res is None else h + res
            h = mixer(norm(res))
        return self.norm_f(h + res) @ self.emb.weight.t()

    def start(self, b):
        return [(torch.zeros(b, m.e, m.k), torch.zeros(b, m.e, m.n)) for _, m in self.layers]

    def step(self, tokens, state):
        h, res, new = self.emb(tokens), None, []
        for (norm, mixer), (cs, ss) in zip(self.layers, state):
            res = h if res is None else h + res
            h, cs, ss = mixer.step(norm(res), cs, ss)
            new.append((cs, ss))
        state[:] = new
        return (self.norm_f(h + res) @ self.emb.weight.t()).log_softmax(-1)


def main():
    cfg = json.loads(sys.argv[1])
    warmup, repeats, threads = int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
    torch.set_num_threads(threads)
    torch.manual_seed(0)
    v, d, b, ls, lt, steps = cfg["vocab"], cfg["dModel"], cfg["batch"], cfg["srcLen"], cfg["tgtLen"], cfg["decodeSteps"]
    g = torch.Generator().manual_seed(0)
    ids = lambda *shape: torch.randint(5, v, shape, generator=g)
    src, tgt = ids(b, ls), ids(b, lt)
    out = {"torch": torch.__version__, "threads": torch.get_num_threads(), "blas": blas()}
    print(f"PyTorch {out['torch']}, {out['threads']} threads, BLAS {out['blas']}", file=sys.stderr)

    def train_timing(model, loss_fn):
        opt = torch.optim.AdamW(model.parameters(), lr=1e-3, weight_decay=1e-4)

        def step():
            opt.zero_grad()
            loss = loss_fn()
            loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            opt.step()
            loss.item()

        return timed(step, warmup, repeats)

    t = cfg["transformer"]
    tr = Seq2Seq(v, d, t["layers"], t["nHead"], t["mlpRatio"])
    src_eos = torch.cat([src, torch.full((b, 1), 2)], 1)
    tgt_in = torch.cat([torch.full((b, 1), 1), tgt], 1)
    tgt_out = torch.cat([tgt, torch.full((b, 1), 2)], 1)
    out["transformer"] = {
        "params": sum(p.numel() for p in tr.parameters()),
        "train": train_timing(tr, lambda: F.cross_entropy(tr(src_eos, tgt_in).reshape(-1, v), tgt_out.reshape(-1), label_smoothing=0.1)),
    }

    def greedy(model, start, first):
        """`steps` greedy tokens of the whole batch from the state `start()` returns, beginning with token `first`."""
        def decode():
            with torch.no_grad():
                state = start()
                tok = torch.full((b,), first)
                for _ in range(steps):
                    tok = model.step(tok, state).argmax(-1)
        return timed(decode, warmup, repeats)

    out["transformer"]["decode"] = greedy(tr, lambda: tr.start(src_eos), 1)

    m = cfg["mamba"]
    mb = MambaLM(v, d, m["layers"])
    row = torch.cat([src, torch.full((b, 1), 3), tgt, torch.full((b, 1), 2)], 1)
    inp, lab = row[:, :-1], row[:, 1:]

    def mamba_loss():
        logits = mb(inp)[:, ls:]  # the positions that predict the target
        return F.cross_entropy(logits.reshape(-1, v), lab[:, ls:].reshape(-1), label_smoothing=0.1)

    out["mamba"] = {"params": sum(p.numel() for p in mb.parameters()), "train": train_timing(mb, mamba_loss)}

    out["mamba"]["decode"] = greedy(mb, lambda: mb.start(b), 3)
    print(json.dumps(out))


if __name__ == "__main__":
    main()

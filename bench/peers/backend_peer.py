"""PyTorch on the CPU, the peer of bench/backend.bench.ts: the same models, Adam, batch 64, seeded
random data, timed the same way (median wall milliseconds of one optimizer step, after warm-up steps).

Models (as in bench/backend.bench.ts):
  convnet: conv3x3(3->16, same) relu maxpool2 conv3x3(16->32, same) relu maxpool2 dense(2048->10), 32x32x3
  cifar:   Keras' cifar10_cnn without its dropout: conv3x3(3->32, same) relu conv3x3(32->32, valid) relu
           maxpool2 conv3x3(32->64, same) relu conv3x3(64->64, valid) relu maxpool2 dense(2304->512) relu
           dense(512->10), 32x32x3
  mlp:     dense 784-1024 relu, 1024-1024 relu, 1024-10
Loss: softmax cross-entropy. Also a 1024^3 float32 matmul.
Runs on every core this process may use (torch.set_num_threads), and reports the thread count and the BLAS
library loaded into the process (Debian's torch calls whichever libblas.so.3 the alternatives system picks).
Usage: /usr/bin/python3 backend_peer.py warmup repeats  -> prints one JSON object (wall and CPU-time
medians, since the machine may be shared).
"""
import json
import os
import sys
import time

import torch
import torch.nn as nn
import torch.nn.functional as F

from peer_timing import blas, timed

BATCH = 64


def convnet():
    return nn.Sequential(
        nn.Conv2d(3, 16, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(16, 32, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
        nn.Flatten(), nn.Linear(32 * 8 * 8, 10),
    )


def cifar():
    return nn.Sequential(
        nn.Conv2d(3, 32, 3, padding=1), nn.ReLU(), nn.Conv2d(32, 32, 3), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(32, 64, 3, padding=1), nn.ReLU(), nn.Conv2d(64, 64, 3), nn.ReLU(), nn.MaxPool2d(2),
        nn.Flatten(), nn.Linear(64 * 6 * 6, 512), nn.ReLU(), nn.Linear(512, 10),
    )


def mlp():
    return nn.Sequential(nn.Linear(784, 1024), nn.ReLU(), nn.Linear(1024, 1024), nn.ReLU(), nn.Linear(1024, 10))


def time_steps(model, x, y, warmup, repeats):
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)

    def step():
        opt.zero_grad()
        loss = F.cross_entropy(model(x), y)
        loss.backward()
        opt.step()
        return loss.item()

    return timed(step, warmup, repeats)


def main():
    warmup, repeats = int(sys.argv[1]), int(sys.argv[2])
    torch.set_num_threads(len(os.sched_getaffinity(0)))
    torch.manual_seed(0)
    g = torch.Generator().manual_seed(0)
    labels = lambda: torch.randint(0, 10, (BATCH,), generator=g)
    out = {
        "torch": torch.__version__,
        "threads": torch.get_num_threads(),
        "convnet": time_steps(convnet(), torch.randn(BATCH, 3, 32, 32, generator=g), labels(), warmup, repeats),
        "cifar": time_steps(cifar(), torch.randn(BATCH, 3, 32, 32, generator=g), labels(), warmup, repeats),
        "mlp": time_steps(mlp(), torch.randn(BATCH, 784, generator=g), labels(), warmup, repeats),
    }
    a, b = torch.randn(1024, 1024, generator=g), torch.randn(1024, 1024, generator=g)
    out["matmul1024Ms"] = timed(lambda: a @ b, 1, 5)["medianMs"]
    out["blas"] = blas()
    print(json.dumps(out))


if __name__ == "__main__":
    main()

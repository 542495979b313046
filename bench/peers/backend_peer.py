"""PyTorch on the CPU, the peer of bench/backend.bench.ts: the same two models, Adam, batch 64, seeded
random data, timed the same way (median wall milliseconds of one optimizer step, after warm-up steps).

Models (as in bench/backend.bench.ts):
  convnet: conv3x3(3->16, same) relu maxpool2 conv3x3(16->32, same) relu maxpool2 dense(2048->10), 32x32x3
  mlp:     dense 784-1024 relu, 1024-1024 relu, 1024-10
Loss: softmax cross-entropy. Also a 1024^3 float32 matmul.
Usage: /usr/bin/python3 backend_peer.py warmup repeats  -> prints one JSON object (wall and CPU-time
medians, since the machine may be shared).
"""
import json
import sys
import time

import torch
import torch.nn as nn
import torch.nn.functional as F

BATCH = 64


def convnet():
    return nn.Sequential(
        nn.Conv2d(3, 16, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(16, 32, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
        nn.Flatten(), nn.Linear(32 * 8 * 8, 10),
    )


def mlp():
    return nn.Sequential(nn.Linear(784, 1024), nn.ReLU(), nn.Linear(1024, 1024), nn.ReLU(), nn.Linear(1024, 10))


def median(xs):
    return sorted(xs)[len(xs) // 2]


def time_steps(model, x, y, warmup, repeats):
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)

    def step():
        opt.zero_grad()
        loss = F.cross_entropy(model(x), y)
        loss.backward()
        opt.step()
        return loss.item()

    for _ in range(warmup):
        step()
    times, cpu = [], []
    for _ in range(repeats):
        t, c = time.perf_counter(), time.process_time()
        step()
        cpu.append((time.process_time() - c) * 1000)
        times.append((time.perf_counter() - t) * 1000)
    return {"medianMs": median(times), "cpuMs": median(cpu), "minMs": min(times), "maxMs": max(times), "repeats": repeats}


def main():
    warmup, repeats = int(sys.argv[1]), int(sys.argv[2])
    torch.manual_seed(0)
    g = torch.Generator().manual_seed(0)
    labels = lambda: torch.randint(0, 10, (BATCH,), generator=g)
    out = {
        "torch": torch.__version__,
        "threads": torch.get_num_threads(),
        "convnet": time_steps(convnet(), torch.randn(BATCH, 3, 32, 32, generator=g), labels(), warmup, repeats),
        "mlp": time_steps(mlp(), torch.randn(BATCH, 784, generator=g), labels(), warmup, repeats),
    }
    a, b = torch.randn(1024, 1024, generator=g), torch.randn(1024, 1024, generator=g)
    a @ b
    times = []
    for _ in range(5):
        t = time.perf_counter()
        a @ b
        times.append((time.perf_counter() - t) * 1000)
    out["matmul1024Ms"] = median(times)
    print(json.dumps(out))


if __name__ == "__main__":
    main()

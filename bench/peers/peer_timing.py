"""Timing and BLAS reporting shared by the CPU peers (backend_peer, medmamba_peer, translation_peer).

timed(fn, warmup, repeats): medians of wall-clock and process CPU time in milliseconds (the CPU time
counts every thread of this process), with the fastest and slowest wall time.
blas(): the BLAS shared libraries mapped into this process after a matrix product has loaded them,
read from /proc/self/maps, so the report names the library that ran, not the one configured.
"""
import os
import time

import torch


def median(xs):
    return sorted(xs)[len(xs) // 2]


def timed(fn, warmup, repeats):
    for _ in range(warmup):
        fn()
    wall, cpu = [], []
    for _ in range(repeats):
        t, c = time.perf_counter(), time.process_time()
        fn()
        cpu.append((time.process_time() - c) * 1000)
        wall.append((time.perf_counter() - t) * 1000)
    return {"medianMs": median(wall), "cpuMs": median(cpu), "minMs": min(wall), "maxMs": max(wall), "repeats": repeats}


def blas():
    torch.ones(64, 64) @ torch.ones(64, 64)
    with open("/proc/self/maps") as maps:
        paths = {line.split()[-1] for line in maps if "blas" in line.lower() and "/" in line}
    return ", ".join(sorted(paths)) or "none mapped (torch.__config__.show(): " + torch.__config__.show().split("BLAS_INFO=")[-1].split(",")[0] + ")"

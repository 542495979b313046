/*
 * The selective scan forward (Mamba's selective_scan_ref arithmetic, reference/mamba-medmamba.md section 6)
 * as a plain float32 C loop: the machine limit the fused tfjs kernel is compared with in bench/scan.bench.ts.
 * Same layout and options as the benchmark: u, delta, z (b, d, l); A (d, n); B, C (b, n, l); D, delta_bias (d);
 * softplus on. Usage: scan_loop b d n l repeats  -> prints {"ms": [...]} (wall milliseconds per forward pass).
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static float uniform(unsigned *state, float lo, float hi) {
  *state = *state * 1664525u + 1013904223u;
  return lo + (hi - lo) * (float)(*state >> 8) / 16777216.0f;
}

static void scan(int b, int d, int n, int l, const float *u, const float *delta, const float *A, const float *B,
                 const float *C, const float *D, const float *z, const float *bias, float *y) {
  float h[1024];
  for (int bi = 0; bi < b; bi++)
    for (int di = 0; di < d; di++) {
      const long row = ((long)bi * d + di) * l;
      const float *Bb = B + (long)bi * n * l, *Cb = C + (long)bi * n * l;
      for (int k = 0; k < n; k++) h[k] = 0.0f;
      for (int t = 0; t < l; t++) {
        float raw = delta[row + t] + bias[di];
        float dt = raw > 20.0f ? raw : log1pf(expf(raw));
        float ut = u[row + t], dtu = dt * ut, acc = 0.0f;
        for (int k = 0; k < n; k++) {
          h[k] = expf(dt * A[di * n + k]) * h[k] + dtu * Bb[(long)k * l + t];
          acc += h[k] * Cb[(long)k * l + t];
        }
        float zt = z[row + t];
        y[row + t] = (acc + D[di] * ut) * zt / (1.0f + expf(-zt));
      }
    }
}

static float *filled(long size, unsigned *state, float lo, float hi) {
  float *x = malloc(sizeof(float) * size);
  for (long i = 0; i < size; i++) x[i] = uniform(state, lo, hi);
  return x;
}

int main(int argc, char **argv) {
  if (argc < 6) { fprintf(stderr, "usage: scan_loop b d n l repeats\n"); return 2; }
  int b = atoi(argv[1]), d = atoi(argv[2]), n = atoi(argv[3]), l = atoi(argv[4]), repeats = atoi(argv[5]);
  if (n > 1024) { fprintf(stderr, "n <= 1024\n"); return 2; }
  unsigned state = 12345u;
  long bdl = (long)b * d * l, bnl = (long)b * n * l;
  float *u = filled(bdl, &state, -1, 1), *delta = filled(bdl, &state, -3, 1), *z = filled(bdl, &state, -2, 2);
  float *A = filled((long)d * n, &state, -1, 1.5f);
  for (long i = 0; i < (long)d * n; i++) A[i] = -expf(A[i]);
  float *B = filled(bnl, &state, -1, 1), *C = filled(bnl, &state, -1, 1);
  float *D = filled(d, &state, -1, 1), *bias = filled(d, &state, -1, 0.5f), *y = malloc(sizeof(float) * bdl);
  printf("{\"ms\": [");
  for (int r = 0; r < repeats + 1; r++) {
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    scan(b, d, n, l, u, delta, A, B, C, D, z, bias, y);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    double ms = (t1.tv_sec - t0.tv_sec) * 1e3 + (t1.tv_nsec - t0.tv_nsec) / 1e6;
    if (r > 0) printf("%s%.3f", r > 1 ? ", " : "", ms); /* the first run warms the caches */
  }
  double check = 0;
  for (long i = 0; i < bdl; i++) check += y[i];
  printf("], \"checksum\": %.6g}\n", check);
  return 0;
}

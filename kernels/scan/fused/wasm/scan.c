/*
 * The fused selective scan in WebAssembly SIMD: the arithmetic and checkpointing of ../core.ts (Mamba's
 * csrc/selective_scan/selective_scan_fwd_kernel.cuh and _bwd_kernel.cuh; reference/mamba-medmamba.md sections
 * 6-7) in float32, four state lanes per f32x4. Each (b, d) row keeps its state in registers; the forward saves
 * the state entering every chunk of `chunk` steps, and the backward recomputes a chunk's states from that
 * checkpoint before running the reverse scan over it.
 *
 * Freestanding (no libc): exp, log1p, softplus and sigmoid are written here. The caller (../wasm-scan.ts) owns
 * the linear memory layout: it copies the inputs in, passes their addresses, and copies the outputs out.
 * The memory is imported and shared: several instances of this module, one per thread (kernels/threads/pool.ts),
 * run disjoint row ranges of one call at once. Nothing here is global state; each instance has its own stack
 * (the caller sets the exported __stack_pointer) and each row range its own scratch (`work`).
 * The state size n is padded to n4 = 4 * ceil(n / 4) lanes with A = B = C = 0, so the padding stays 0; the
 * caller lays A, B, C out that way (see Layout), and B, C time-major so a step reads its n values contiguously.
 * Build: ./build.sh (the flags there are pinned so the committed scan.wasm is reproducible).
 */
#include <wasm_simd128.h>

#define EXPORT(name) __attribute__((export_name(name)))
#define INLINE static inline __attribute__((always_inline))

typedef v128_t f4;

INLINE f4 splat(float x) { return wasm_f32x4_splat(x); }
INLINE f4 add(f4 a, f4 b) { return wasm_f32x4_add(a, b); }
INLINE f4 sub(f4 a, f4 b) { return wasm_f32x4_sub(a, b); }
INLINE f4 mul(f4 a, f4 b) { return wasm_f32x4_mul(a, b); }
INLINE f4 load(const float *p) { return wasm_v128_load(p); }
INLINE void store(float *p, f4 v) { wasm_v128_store(p, v); }

/*
 * 2^x to about 1e-7 relative: x = k + f with k an integer and |f| <= 1/2, 2^f by a degree-6 polynomial (a
 * minimax fit, 9.7e-8 worst relative error with float32 evaluation), 2^k built in the exponent bits. k is
 * rounded by adding ROUND = 1.5 * 2^23 + 127: the sum's low mantissa bits then hold k + 127, which shifted by 23
 * is 2^k as a float, and subtracting ROUND again gives k exactly (cheaper than f32x4.nearest and
 * i32x4.trunc_sat_f32x4). x is clamped to [-126, 127]: below that the result is the smallest normal float
 * (absolute error < 1.2e-38) instead of a subnormal or 0. The clamp uses pmin/pmax, which compile to single
 * minps/maxps instructions (f32x4.min/max's NaN and -0 rules cost V8 several more; a NaN still passes through).
 */
INLINE f4 vexp2(f4 x) {
  const float ROUND = 12582912.0f + 127.0f;
  x = wasm_f32x4_pmin(wasm_f32x4_pmax(x, splat(-126.0f)), splat(127.0f));
  f4 biased = add(x, splat(ROUND));
  f4 f = sub(x, sub(biased, splat(ROUND)));
  f4 p = splat(1.5345810970757157e-4f);
  p = add(mul(p, f), splat(1.3399930903688073e-3f));
  p = add(mul(p, f), splat(9.618489071726799e-3f));
  p = add(mul(p, f), splat(5.550328642129898e-2f));
  p = add(mul(p, f), splat(2.4022646248340607e-1f));
  p = add(mul(p, f), splat(6.931471824645996e-1f));
  p = add(mul(p, f), splat(1.0f));
  return mul(p, wasm_i32x4_shl(biased, 23));
}

#define LOG2E 1.44269504088896341f

/* e^x = 2^(x log2 e). The scans instead scale A by log2 e once per row and call vexp2. */
INLINE f4 vexp(f4 x) { return vexp2(mul(x, splat(LOG2E))); }

/* Sums of four vectors at once: lane i of the result is the sum of the lanes of s_i. */
INLINE f4 hsum4(f4 s0, f4 s1, f4 s2, f4 s3) {
  f4 r01 = add(wasm_i32x4_shuffle(s0, s1, 0, 4, 1, 5), wasm_i32x4_shuffle(s0, s1, 2, 6, 3, 7));
  f4 r23 = add(wasm_i32x4_shuffle(s2, s3, 0, 4, 1, 5), wasm_i32x4_shuffle(s2, s3, 2, 6, 3, 7));
  return add(wasm_i32x4_shuffle(r01, r23, 0, 1, 4, 5), wasm_i32x4_shuffle(r01, r23, 2, 3, 6, 7));
}

/* out[i] = sum of the 4 floats at s4 + 4 i, for i < count, in blocks of four: s4 and out have room for count rounded up to 4 (the extra results are garbage nobody reads). */
static void hsum_rows(const float *s4, float *out, int count) {
  for (int i = 0; i < count; i += 4)
    store(out + i, hsum4(load(s4 + 4 * i), load(s4 + 4 * i + 4), load(s4 + 4 * i + 8), load(s4 + 4 * i + 12)));
}

/*
 * log(1 + w) for w in [0, 1]: 2 atanh(s) with s = w / (2 + w) <= 1/3, summed to s^17 (truncation < 2e-10
 * relative). Relative accuracy holds for tiny w, which log(1 + w) computed directly would lose.
 */
INLINE f4 vlog1p01(f4 w) {
  f4 s = wasm_f32x4_div(w, add(w, splat(2.0f)));
  f4 s2 = mul(s, s);
  f4 p = splat(1.0f / 17);
  p = add(mul(p, s2), splat(1.0f / 15));
  p = add(mul(p, s2), splat(1.0f / 13));
  p = add(mul(p, s2), splat(1.0f / 11));
  p = add(mul(p, s2), splat(1.0f / 9));
  p = add(mul(p, s2), splat(1.0f / 7));
  p = add(mul(p, s2), splat(1.0f / 5));
  p = add(mul(p, s2), splat(1.0f / 3));
  p = add(mul(p, s2), splat(1.0f));
  return mul(mul(p, s), splat(2.0f));
}

/* softplus(x) = max(x, 0) + log1p(e^-|x|), and x itself past 20 as in core.softplus. */
INLINE f4 vsoftplus(f4 x) {
  f4 sp = add(wasm_f32x4_pmax(x, splat(0.0f)), vlog1p01(vexp(wasm_f32x4_neg(wasm_f32x4_abs(x)))));
  return wasm_v128_bitselect(x, sp, wasm_f32x4_gt(x, splat(20.0f)));
}

INLINE f4 vsigmoid(f4 x) { return wasm_f32x4_div(splat(1.0f), add(splat(1.0f), vexp(wasm_f32x4_neg(x)))); }

/* The sums of the lanes of a and of b. */
INLINE void hsum2(f4 a, f4 b, float *sa, float *sb) {
  f4 t = add(wasm_i32x4_shuffle(a, b, 0, 4, 1, 5), wasm_i32x4_shuffle(a, b, 2, 6, 3, 7)); /* a0+a2 b0+b2 a1+a3 b1+b3 */
  t = add(t, wasm_i32x4_shuffle(t, t, 2, 3, 0, 1));
  *sa = wasm_f32x4_extract_lane(t, 0);
  *sb = wasm_f32x4_extract_lane(t, 1);
}

/* The first m <= 4 floats at p, the other lanes 0; and the store of the first m lanes. */
INLINE f4 load_part(const float *p, int m) {
  float t[4] = {0, 0, 0, 0};
  for (int i = 0; i < m; i++) t[i] = p[i];
  return load(t);
}
INLINE void store_part(float *p, f4 v, int m) {
  float t[4];
  store(t, v);
  for (int i = 0; i < m; i++) p[i] = t[i];
}

/* ---------------------------------------------------------------------------------------------------------------- */
/* Layout: projections come time-major and padded, (b, g, l, n4) or (d, n4) when shared; A as (d, n4). */

/* Where row (bi, di)'s padded projection values start, and how far they move per step. */
INLINE long proj_base(int groups, int bi, int di, int d, int l, int n4) {
  return groups == 0 ? (long)di * n4 : ((long)bi * groups + di / (d / groups)) * l * n4;
}
INLINE int proj_step(int groups, int n4) { return groups == 0 ? 0 : n4; }

/* ---------------------------------------------------------------------------------------------------------------- */
/* Per-row elementwise passes over time, four steps per vector. */

/* dt[t] = softplus?(delta[t] + bias), and, when `grad` is given, d dt / d raw there. */
static void step_sizes(const float *delta, float bias, int softplus, int l, float *dt, float *grad) {
  for (int t = 0; t < l; t += 4) {
    int m = l - t < 4 ? l - t : 4;
    f4 raw = add(m == 4 ? load(delta + t) : load_part(delta + t, m), splat(bias));
    f4 v = softplus ? vsoftplus(raw) : raw;
    store(dt + t, v); /* dt has room for the padding lanes */
    if (grad) {
      f4 g = softplus ? wasm_v128_bitselect(splat(1.0f), vsigmoid(raw), wasm_f32x4_gt(raw, splat(20.0f))) : splat(1.0f);
      store(grad + t, g);
    }
  }
}

/* y[t] = (acc[t] + skip u[t]) * silu(z[t]) (no gate when z is 0), written over acc into y. */
static void skip_and_gate(const float *acc, const float *u, const float *z, float skip, int l, float *y) {
  for (int t = 0; t < l; t += 4) {
    int m = l - t < 4 ? l - t : 4;
    f4 uv = m == 4 ? load(u + t) : load_part(u + t, m);
    f4 out = add(load(acc + t), mul(splat(skip), uv));
    if (z) {
      f4 zv = m == 4 ? load(z + t) : load_part(z + t, m);
      out = mul(out, mul(zv, vsigmoid(zv)));
    }
    if (m == 4) store(y + t, out);
    else store_part(y + t, out, m);
  }
}

/* For the gate's backward: gate[t] = silu(z) = z s, dgate[t] = d silu / dz = s (1 + z (1 - s)), s = sigmoid(z). */
static void gate_terms(const float *z, int l, float *gate, float *dgate) {
  for (int t = 0; t < l; t += 4) {
    int m = l - t < 4 ? l - t : 4;
    f4 zv = m == 4 ? load(z + t) : load_part(z + t, m);
    f4 s = vsigmoid(zv);
    store(gate + t, mul(zv, s));
    store(dgate + t, mul(s, add(splat(1.0f), mul(zv, sub(splat(1.0f), s)))));
  }
}

/* ---------------------------------------------------------------------------------------------------------------- */
/* Forward. */

/*
 * One row's scan over l steps: h (nv vectors) in and out, acc4[t] = the 4 partial sums of sum_n h_t C_t (summed
 * across lanes later, four steps at a time), the state entering every chunk saved as n4 floats at ck. a is A
 * times log2 e. Inlined with a constant nv for n <= 16 (Mamba's default), so h and a live in registers.
 */
INLINE void forward_row(f4 *h, f4 *a, const int nv, const float *dt, const float *u, const float *B, int bStep,
                        const float *C, int cStep, float *acc4, int l, int chunk, float *ck) {
  for (int t0 = 0, c = 0; t0 < l; t0 += chunk, c++) {
    for (int j = 0; j < nv; j++) store(ck + (long)c * nv * 4 + 4 * j, h[j]);
    int end = t0 + chunk < l ? t0 + chunk : l;
    for (int t = t0; t < end; t++) {
      f4 dtv = splat(dt[t]);
      f4 dtu = splat(dt[t] * u[t]);
      const float *bt = B + (long)t * bStep, *ct = C + (long)t * cStep;
      f4 s = splat(0.0f);
      for (int j = 0; j < nv; j++) {
        h[j] = add(mul(vexp2(mul(dtv, a[j])), h[j]), mul(dtu, load(bt + 4 * j)));
        s = add(s, mul(h[j], load(ct + 4 * j)));
      }
      store(acc4 + 4 * t, s);
    }
  }
}

#define FORWARD_NV(NV)                                                                           \
  case NV: {                                                                                     \
    f4 h[NV], a[NV];                                                                             \
    for (int j = 0; j < NV; j++) h[j] = splat(0.0f), a[j] = mul(load(A + 4 * j), splat(LOG2E));  \
    forward_row(h, a, NV, dt, u, B, bStep, C, cStep, acc4, l, chunk, ck);                        \
    for (int j = 0; j < NV; j++) store(last + 4 * j, h[j]);                                      \
    break;                                                                                       \
  }

static void forward_row_any(int nv, const float *A, const float *dt, const float *u, const float *B, int bStep,
                            const float *C, int cStep, float *acc4, int l, int chunk, float *ck, float *last) {
  switch (nv) {
    FORWARD_NV(1)
    FORWARD_NV(2)
    FORWARD_NV(3)
    FORWARD_NV(4)
    default: {
      f4 h[nv], a[nv];
      for (int j = 0; j < nv; j++) h[j] = splat(0.0f), a[j] = mul(load(A + 4 * j), splat(LOG2E));
      forward_row(h, a, nv, dt, u, B, bStep, C, cStep, acc4, l, chunk, ck);
      for (int j = 0; j < nv; j++) store(last + 4 * j, h[j]);
    }
  }
}

/* Floats of scratch scan_forward needs at `work`. */
EXPORT("forward_work") int forward_work(int l, int n, int chunk) {
  int n4 = (n + 3) & ~3, nChunks = (l + chunk - 1) / chunk, lp = (l + 3) & ~3;
  return 6 * lp + nChunks * n4 + n4;
}

/*
 * Rows [rowStart, rowEnd) of the (b, d) rows: y (b, d, l), lastState (b, d, n), checkpoints
 * (b, d, ceil(l / chunk), n) from u, delta, z (b, d, l), A4, B4, C4 (padded, see Layout) and D, bias (d).
 * u, delta, z, y, lastState and checkpoints hold only those rows (the caller copies a block of rows at a time);
 * A4, B4, C4, D, bias are whole. D, z, bias: 0 when absent.
 */
EXPORT("scan_forward")
void scan_forward(int b, int d, int l, int n, int bGroups, int cGroups, int softplus, int chunk, int rowStart,
                  int rowEnd, const float *u, const float *delta, const float *A4, const float *B4, const float *C4, const float *D, const float *z,
                  const float *bias, float *y, float *lastState, float *checkpoints, float *work) {
  int n4 = (n + 3) & ~3, nv = n4 / 4;
  int nChunks = (l + chunk - 1) / chunk, lp = (l + 3) & ~3;
  float *dt = work;                   /* (l) */
  float *acc4 = dt + lp;              /* (l, 4); lanes past l are never used */
  float *acc = acc4 + 4 * lp;         /* (l) */
  float *ck = acc + lp;               /* (nChunks, n4) */
  float *last = ck + nChunks * n4;    /* (n4) */
  for (int rowIndex = rowStart; rowIndex < rowEnd; rowIndex++) {
    int bi = rowIndex / d, di = rowIndex % d;
    long local = rowIndex - rowStart, row = local * l;
    step_sizes(delta + row, bias ? bias[di] : 0.0f, softplus, l, dt, 0);
    forward_row_any(nv, A4 + (long)di * n4, dt, u + row, B4 + proj_base(bGroups, bi, di, d, l, n4), proj_step(bGroups, n4),
                    C4 + proj_base(cGroups, bi, di, d, l, n4), proj_step(cGroups, n4), acc4, l, chunk, ck, last);
    hsum_rows(acc4, acc, l);
    skip_and_gate(acc, u + row, z ? z + row : 0, D ? D[di] : 0.0f, l, y + row);
    for (int c = 0; c < nChunks; c++)
      for (int k = 0; k < n; k++) checkpoints[(local * nChunks + c) * n + k] = ck[(long)c * n4 + k];
    for (int k = 0; k < n; k++) lastState[local * n + k] = last[k];
  }
}

/* ---------------------------------------------------------------------------------------------------------------- */
/* Backward. */

/* Per-row inputs of the backward pass. */
typedef struct {
  const float *u, *dy, *dt, *dtGrad, *gate, *dgate, *z, *ck;
  const float *A, *B, *C;
  int bStep, cStep, l, chunk;
  float skip;
  float *hs, *decays, *accs4, *accs; /* chunk scratch */
  float *du, *ddelta, *dz, *dB, *dC;
  float dSkip, dBias; /* out */
} BackRow;

/*
 * One row's backward: chunk by chunk from the last, recompute the states from the checkpoint, then the reverse
 * scan g_t = C_t dy_t + a_{t+1} g_{t+1} (core.scanBackward, statement for statement). g (dL/dlastState in,
 * padded) and dA (accumulated) are nv vectors.
 */
INLINE void backward_row(BackRow *r, f4 *g, f4 *a, f4 *dA, const int nv) {
  const int l = r->l, chunk = r->chunk, nChunks = (l + chunk - 1) / chunk;
  float dSkip = 0, dBias = 0;
  for (int c = nChunks - 1; c >= 0; c--) {
    int t0 = c * chunk, steps = l - t0 < chunk ? l - t0 : chunk;
    for (int j = 0; j < nv; j++) store(r->hs + 4 * j, load(r->ck + (long)c * nv * 4 + 4 * j));
    for (int j = 0; j < steps; j++) {
      int t = t0 + j;
      f4 dtv2 = splat(r->dt[t] * LOG2E), dtu = splat(r->dt[t] * r->u[t]);
      const float *bt = r->B + (long)t * r->bStep, *ct = r->C + (long)t * r->cStep;
      float *prev = r->hs + (long)j * nv * 4, *cur = prev + nv * 4, *dec = r->decays + (long)j * nv * 4;
      f4 s = splat(0.0f);
      for (int k = 0; k < nv; k++) {
        f4 ak = vexp2(mul(dtv2, a[k]));
        f4 hk = add(mul(ak, load(prev + 4 * k)), mul(dtu, load(bt + 4 * k)));
        store(dec + 4 * k, ak);
        store(cur + 4 * k, hk);
        s = add(s, mul(hk, load(ct + 4 * k)));
      }
      store(r->accs4 + 4 * j, s);
    }
    hsum_rows(r->accs4, r->accs, steps);
    for (int j = steps - 1; j >= 0; j--) {
      int t = t0 + j;
      float ut = r->u[t], dt = r->dt[t], gy = r->dy[t];
      if (r->z) {
        r->dz[t] = gy * (r->accs[j] + r->skip * ut) * r->dgate[t];
        gy *= r->gate[t];
      }
      dSkip += gy * ut;
      f4 gyv = splat(gy), dtv = splat(dt), dtu = splat(dt * ut);
      const float *bt = r->B + (long)t * r->bStep, *ct = r->C + (long)t * r->cStep;
      float *dbt = r->dB + (long)t * r->bStep, *dct = r->dC + (long)t * r->cStep;
      const float *prev = r->hs + (long)j * nv * 4, *cur = prev + nv * 4, *dec = r->decays + (long)j * nv * 4;
      f4 sumGB = splat(0.0f), sumDecay = splat(0.0f);
      for (int k = 0; k < nv; k++) {
        f4 gk = add(g[k], mul(gyv, load(ct + 4 * k)));
        store(dct + 4 * k, add(load(dct + 4 * k), mul(gyv, load(cur + 4 * k))));
        store(dbt + 4 * k, add(load(dbt + 4 * k), mul(gk, dtu)));
        sumGB = add(sumGB, mul(gk, load(bt + 4 * k)));
        f4 ak = load(dec + 4 * k);
        f4 dLogDecay = mul(mul(gk, load(prev + 4 * k)), ak);
        sumDecay = add(sumDecay, mul(dLogDecay, a[k]));
        dA[k] = add(dA[k], mul(dLogDecay, dtv));
        g[k] = mul(gk, ak);
      }
      float gb, gd;
      hsum2(sumGB, sumDecay, &gb, &gd);
      r->du[t] = gy * r->skip + dt * gb;
      float gdt = (gd + ut * gb) * r->dtGrad[t];
      r->ddelta[t] = gdt;
      dBias += gdt;
    }
  }
  r->dSkip = dSkip;
  r->dBias = dBias;
}

#define BACKWARD_NV(NV)                                                                          \
  case NV: {                                                                                     \
    f4 g[NV], a[NV], dA[NV];                                                                     \
    for (int j = 0; j < NV; j++) g[j] = load(g0 + 4 * j), a[j] = load(A + 4 * j), dA[j] = load(dA0 + 4 * j); \
    backward_row(r, g, a, dA, NV);                                                               \
    for (int j = 0; j < NV; j++) store(dA0 + 4 * j, dA[j]);                                      \
    break;                                                                                       \
  }

static void backward_row_any(BackRow *r, int nv, const float *g0, const float *A, float *dA0) {
  switch (nv) {
    BACKWARD_NV(1)
    BACKWARD_NV(2)
    BACKWARD_NV(3)
    BACKWARD_NV(4)
    default: {
      f4 g[nv], a[nv], dA[nv];
      for (int j = 0; j < nv; j++) g[j] = load(g0 + 4 * j), a[j] = load(A + 4 * j), dA[j] = load(dA0 + 4 * j);
      backward_row(r, g, a, dA, nv);
      for (int j = 0; j < nv; j++) store(dA0 + 4 * j, dA[j]);
    }
  }
}

/* Floats of scratch scan_backward needs at `work`. */
EXPORT("backward_work") int backward_work(int l, int n, int chunk) {
  int n4 = (n + 3) & ~3, nChunks = (l + chunk - 1) / chunk, lp = (l + 3) & ~3;
  int cp = (chunk + 3) & ~3;
  return 4 * lp + nChunks * n4 + n4 + (chunk + 1) * n4 + chunk * n4 + 5 * cp;
}

/*
 * Gradients of sum(dy * y) + sum(dLast * lastState) with respect to every input: du, ddelta, dz (b, d, l),
 * dA4, dB4, dC4 (padded like A4, B4, C4), dD, dBias (d); dD, dz, dBias only where D, z, bias are given.
 * Rows [rowStart, rowEnd) only, as in scan_forward: the per-row arrays (u, delta, z, checkpoints, dy, dLast, du,
 * ddelta, dz) hold those rows. dA4, dB4, dC4, dD, dBias are added to, never cleared (the caller zeroes them):
 * each row range accumulates into its own, and the caller sums them. dB4 and dC4 may hold only the projection
 * rows from bRow0 and cRow0 on (the (b, g) rows this range touches; 0 for a shared (d, n) projection).
 * du, ddelta and dz may be u, delta and z themselves: a row reads delta and z before any of
 * its gradients is written, and u[t] only before du[t] is written (chunks run backwards, and a chunk's
 * recomputation reads no later chunk).
 */
EXPORT("scan_backward")
void scan_backward(int b, int d, int l, int n, int bGroups, int cGroups, int softplus, int chunk, int rowStart,
                   int rowEnd, const float *u, const float *delta, const float *A4, const float *B4, const float *C4, const float *D, const float *z,
                   const float *bias, const float *checkpoints, const float *dy, const float *dLast, float *du,
                   float *ddelta, float *dA4, float *dB4, float *dC4, float *dD, float *dz, float *dBiasOut,
                   int bRow0, int cRow0, float *work) {
  int n4 = (n + 3) & ~3, nv = n4 / 4;
  int nChunks = (l + chunk - 1) / chunk, lp = (l + 3) & ~3;
  float *dt = work, *dtGrad = dt + lp, *gate = dtGrad + lp, *dgate = gate + lp;
  float *ck = dgate + lp;                 /* (nChunks, n4) */
  float *g0 = ck + nChunks * n4;          /* (n4) */
  float *hs = g0 + n4;                    /* (chunk + 1, n4) */
  float *decays = hs + (chunk + 1) * n4;  /* (chunk, n4) */
  float *accs4 = decays + chunk * n4;     /* (chunk, 4) */
  float *accs = accs4 + 4 * ((chunk + 3) & ~3); /* (chunk) */
  for (int rowIndex = rowStart; rowIndex < rowEnd; rowIndex++) {
    int bi = rowIndex / d, di = rowIndex % d;
    long local = rowIndex - rowStart, row = local * l;
    step_sizes(delta + row, bias ? bias[di] : 0.0f, softplus, l, dt, dtGrad);
    if (z) gate_terms(z + row, l, gate, dgate);
    for (int c = 0; c < nChunks; c++)
      for (int k = 0; k < n4; k++) ck[(long)c * n4 + k] = k < n ? checkpoints[(local * nChunks + c) * n + k] : 0.0f;
    for (int k = 0; k < n4; k++) g0[k] = k < n ? dLast[local * n + k] : 0.0f;
    long bBase = proj_base(bGroups, bi, di, d, l, n4), cBase = proj_base(cGroups, bi, di, d, l, n4);
    BackRow r = {
        .u = u + row, .dy = dy + row, .dt = dt, .dtGrad = dtGrad, .gate = gate, .dgate = dgate, .z = z ? z + row : 0,
        .ck = ck, .A = A4 + (long)di * n4, .B = B4 + bBase, .C = C4 + cBase, .bStep = proj_step(bGroups, n4),
        .cStep = proj_step(cGroups, n4), .l = l, .chunk = chunk, .skip = D ? D[di] : 0.0f, .hs = hs, .decays = decays,
        .accs4 = accs4, .accs = accs, .du = du + row, .ddelta = ddelta + row, .dz = z ? dz + row : 0, .dB = dB4 + bBase - (long)bRow0 * l * n4,
        .dC = dC4 + cBase - (long)cRow0 * l * n4,
    };
    backward_row_any(&r, nv, g0, A4 + (long)di * n4, dA4 + (long)di * n4);
    if (D) dD[di] += r.dSkip;
    if (bias) dBiasOut[di] += r.dBias;
  }
}

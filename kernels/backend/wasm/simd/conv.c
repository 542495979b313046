/*
 * Matrix products and 2-D convolutions (NHWC, float32) in WebAssembly SIMD, for the wasm backend's training
 * kernels (../Conv2D.ts and its neighbours, through ./module.ts). Each export computes one part of a call: a
 * range [r0, r1) of the output's rows, where a row is one output pixel (conv2d, its input gradient), one row of
 * the filter gradient (a (fh, fw, ci) patch index), or one row of a batch of matrix products. Threads run
 * parts at once (kernels/threads/pool.ts), several instances of this module on one shared memory; nothing
 * here is global state, each instance has its own stack and each part its own scratch.
 *
 * Same bits for any split: every output element is one sum over k in increasing order, started at 0 (or at
 * the value already in C, for the filter gradient's later pixel blocks), of float32 products a*b, each rounded
 * before it is added (wasm has no fused multiply-add). Rows are computed in tiles of MR x NR whose missing rows
 * and columns are zero-padded and never stored, so an element's sum does not depend on which tile, block or
 * part it fell in.
 *
 * Every product is C (rows x n) = A (rows x k) @ B (k x n), B packed one NR-column panel at a time, k-major.
 * A is read in place through row pointers where its rows are contiguous runs (an untransposed matrix; for a
 * convolution, each pixel's channels under each filter tap: XNNPACK's "indirect" convolution), else packed
 * MB rows at a time into tiles of MR rows stored k-major.
 * Build: ./build.sh (pinned flags: the committed conv.wasm is reproducible).
 */
#include <wasm_simd128.h>

#define EXPORT(name) __attribute__((export_name(name)))
#define INLINE static inline __attribute__((always_inline))

typedef v128_t f4;
typedef int i32;

/* Tile rows and columns: 8 accumulators, 2 panel vectors, the A vector and a splat fit x86's 16 registers. */
#define MR 4
#define NR 8
/* Rows of A packed at once. */
#define MB 64
/* Pixels per block of the filter gradient's sum (its k). */
#define KB 256

INLINE i32 min(i32 a, i32 b) { return a < b ? a : b; }

/* The geometry of a convolution, as ./module.ts writes it (the forward convolution's; tfjs's Conv2DInfo). */
typedef struct {
  i32 n, h, w, ci, oh, ow, co, fh, fw, sh, sw, dh, dw, top, left, mult;
} Geometry;

/* One tile: c (mr x nr, row stride ldc) = (acc ? c : 0) + pa (k x MR, packed) @ pb (k x NR, packed). */
static void tile(i32 k, const float *pa, const float *pb, float *c, i32 ldc, i32 mr, i32 nr, i32 acc) {
  float t[MR * NR];
  f4 c00, c01, c10, c11, c20, c21, c30, c31;
  if (acc && mr == MR && nr == NR) {
    c00 = wasm_v128_load(c), c01 = wasm_v128_load(c + 4), c10 = wasm_v128_load(c + ldc), c11 = wasm_v128_load(c + ldc + 4);
    c20 = wasm_v128_load(c + 2 * ldc), c21 = wasm_v128_load(c + 2 * ldc + 4), c30 = wasm_v128_load(c + 3 * ldc), c31 = wasm_v128_load(c + 3 * ldc + 4);
  } else if (acc) {
    for (i32 r = 0; r < MR; r++)
      for (i32 j = 0; j < NR; j++) t[r * NR + j] = r < mr && j < nr ? c[r * ldc + j] : 0.0f;
    c00 = wasm_v128_load(t), c01 = wasm_v128_load(t + 4), c10 = wasm_v128_load(t + 8), c11 = wasm_v128_load(t + 12);
    c20 = wasm_v128_load(t + 16), c21 = wasm_v128_load(t + 20), c30 = wasm_v128_load(t + 24), c31 = wasm_v128_load(t + 28);
  } else {
    c00 = c01 = c10 = c11 = c20 = c21 = c30 = c31 = wasm_f32x4_splat(0.0f);
  }
  for (i32 kk = 0; kk < k; kk++) {
    // Splatting loads rather than one load and four shuffles: on x86 they are broadcasts from memory, which
    // take a load port instead of the vector ports the multiplies and adds need.
    const f4 b0 = wasm_v128_load(pb + NR * kk), b1 = wasm_v128_load(pb + NR * kk + 4);
    f4 s = wasm_v128_load32_splat(pa + MR * kk);
    c00 = wasm_f32x4_add(c00, wasm_f32x4_mul(s, b0));
    c01 = wasm_f32x4_add(c01, wasm_f32x4_mul(s, b1));
    s = wasm_v128_load32_splat(pa + MR * kk + 1);
    c10 = wasm_f32x4_add(c10, wasm_f32x4_mul(s, b0));
    c11 = wasm_f32x4_add(c11, wasm_f32x4_mul(s, b1));
    s = wasm_v128_load32_splat(pa + MR * kk + 2);
    c20 = wasm_f32x4_add(c20, wasm_f32x4_mul(s, b0));
    c21 = wasm_f32x4_add(c21, wasm_f32x4_mul(s, b1));
    s = wasm_v128_load32_splat(pa + MR * kk + 3);
    c30 = wasm_f32x4_add(c30, wasm_f32x4_mul(s, b0));
    c31 = wasm_f32x4_add(c31, wasm_f32x4_mul(s, b1));
  }
  if (mr == MR && nr == NR) {
    wasm_v128_store(c, c00), wasm_v128_store(c + 4, c01);
    wasm_v128_store(c + ldc, c10), wasm_v128_store(c + ldc + 4, c11);
    wasm_v128_store(c + 2 * ldc, c20), wasm_v128_store(c + 2 * ldc + 4, c21);
    wasm_v128_store(c + 3 * ldc, c30), wasm_v128_store(c + 3 * ldc + 4, c31);
    return;
  }
  wasm_v128_store(t, c00), wasm_v128_store(t + 4, c01), wasm_v128_store(t + 8, c10), wasm_v128_store(t + 12, c11);
  wasm_v128_store(t + 16, c20), wasm_v128_store(t + 20, c21), wasm_v128_store(t + 24, c30), wasm_v128_store(t + 28, c31);
  for (i32 r = 0; r < mr; r++)
    for (i32 j = 0; j < nr; j++) c[r * ldc + j] = t[r * NR + j];
}

/* Columns [j0, j0 + NR) of B (k x n; stored transposed, n x k, when trans) into a k-major panel, 0 past n. */
static void pack_b(const float *b, i32 ldb, i32 trans, i32 k, i32 n, i32 j0, float *out) {
  const i32 nr = min(NR, n - j0);
  if (!trans && nr == NR) {
    for (i32 kk = 0; kk < k; kk++) {
      wasm_v128_store(out + NR * kk, wasm_v128_load(b + kk * ldb + j0));
      wasm_v128_store(out + NR * kk + 4, wasm_v128_load(b + kk * ldb + j0 + 4));
    }
    return;
  }
  for (i32 kk = 0; kk < k; kk++)
    for (i32 j = 0; j < NR; j++) out[NR * kk + j] = j >= nr ? 0.0f : trans ? b[(j0 + j) * ldb + kk] : b[kk * ldb + j0 + j];
}

/* C (rows x n, row stride ldc) = (acc ? C : 0) + packed A (rows x k) @ B, B packed panel by panel into pb. */
static void gemm_packed(i32 rows, i32 k, i32 n, const float *pa, const float *b, i32 ldb, i32 transb, float *c, i32 ldc, i32 acc, float *pb) {
  for (i32 j0 = 0; j0 < n; j0 += NR) {
    pack_b(b, ldb, transb, k, n, j0, pb);
    const i32 nr = min(NR, n - j0);
    for (i32 t = 0; t < rows; t += MR) tile(k, pa + t * k, pb, c + t * ldc + j0, ldc, min(MR, rows - t), nr, acc);
  }
}

/*
 * One tile whose A rows are read in place: row r's depth index (t, c) is rows[r * taps + t][c], c < width (a
 * pixel's channels, for tap t of a filter; a zero row where the tap falls in the padding). The same sums as
 * tile() on packed rows, without the copy. c (mr x nr) = rows @ pb (taps*width x NR, packed).
 */
static void tile_indirect(i32 taps, i32 width, const float *const *rows, const float *pb, float *c, i32 ldc, i32 mr, i32 nr) {
  f4 c00, c01, c10, c11, c20, c21, c30, c31;
  c00 = c01 = c10 = c11 = c20 = c21 = c30 = c31 = wasm_f32x4_splat(0.0f);
  for (i32 t = 0; t < taps; t++) {
    const float *a0 = rows[t], *a1 = rows[taps + t], *a2 = rows[2 * taps + t], *a3 = rows[3 * taps + t];
    for (i32 ch = 0; ch < width; ch++, pb += NR) {
      const f4 b0 = wasm_v128_load(pb), b1 = wasm_v128_load(pb + 4);
      f4 s = wasm_v128_load32_splat(a0 + ch);
      c00 = wasm_f32x4_add(c00, wasm_f32x4_mul(s, b0));
      c01 = wasm_f32x4_add(c01, wasm_f32x4_mul(s, b1));
      s = wasm_v128_load32_splat(a1 + ch);
      c10 = wasm_f32x4_add(c10, wasm_f32x4_mul(s, b0));
      c11 = wasm_f32x4_add(c11, wasm_f32x4_mul(s, b1));
      s = wasm_v128_load32_splat(a2 + ch);
      c20 = wasm_f32x4_add(c20, wasm_f32x4_mul(s, b0));
      c21 = wasm_f32x4_add(c21, wasm_f32x4_mul(s, b1));
      s = wasm_v128_load32_splat(a3 + ch);
      c30 = wasm_f32x4_add(c30, wasm_f32x4_mul(s, b0));
      c31 = wasm_f32x4_add(c31, wasm_f32x4_mul(s, b1));
    }
  }
  if (mr == MR && nr == NR) {
    wasm_v128_store(c, c00), wasm_v128_store(c + 4, c01);
    wasm_v128_store(c + ldc, c10), wasm_v128_store(c + ldc + 4, c11);
    wasm_v128_store(c + 2 * ldc, c20), wasm_v128_store(c + 2 * ldc + 4, c21);
    wasm_v128_store(c + 3 * ldc, c30), wasm_v128_store(c + 3 * ldc + 4, c31);
    return;
  }
  float t[MR * NR];
  wasm_v128_store(t, c00), wasm_v128_store(t + 4, c01), wasm_v128_store(t + 8, c10), wasm_v128_store(t + 12, c11);
  wasm_v128_store(t + 16, c20), wasm_v128_store(t + 20, c21), wasm_v128_store(t + 24, c30), wasm_v128_store(t + 28, c31);
  for (i32 r = 0; r < mr; r++)
    for (i32 j = 0; j < nr; j++) c[r * ldc + j] = t[r * NR + j];
}

/* C (rows x n, row stride ldc) = the rows given by pointers (rows rounded up to MR, taps each) @ B (k x n; n x k if transb). */
static void gemm_indirect(i32 rows, i32 taps, i32 width, const float *const *ptrs, i32 n, const float *b, i32 ldb, i32 transb, float *c, i32 ldc,
                          float *pb) {
  for (i32 j0 = 0; j0 < n; j0 += NR) {
    pack_b(b, ldb, transb, taps * width, n, j0, pb);
    const i32 nr = min(NR, n - j0);
    for (i32 t = 0; t < rows; t += MR) tile_indirect(taps, width, ptrs + t * taps, pb, c + t * ldc + j0, ldc, min(MR, rows - t), nr);
  }
}

/* Scratch of an indirect product: MB rows of tap pointers, a B panel and a zero row of `width` floats. */
typedef struct {
  const float **ptrs;
  float *pb, *zero;
} Indirect;

static Indirect indirect_scratch(float *scratch, i32 taps, i32 width) {
  Indirect s;
  s.ptrs = (const float **)scratch;
  s.pb = scratch + ((MB * taps + 3) & ~3);
  s.zero = s.pb + NR * taps * width;
  for (i32 c = 0; c < width; c++) s.zero[c] = 0.0f;
  return s;
}

/* Rows [r0, r0 + rows) of A (m x k; stored transposed, k x m, when trans) into tiles of MR rows, k-major. */
static void pack_a(const float *a, i32 lda, i32 trans, i32 r0, i32 rows, i32 k, float *out) {
  for (i32 t = 0; t < rows; t += MR) {
    float *o = out + t * k;
    for (i32 r = 0; r < MR; r++) {
      const i32 row = r0 + t + r;
      if (t + r >= rows) {
        for (i32 kk = 0; kk < k; kk++) o[MR * kk + r] = 0.0f;
      } else if (trans) {
        for (i32 kk = 0; kk < k; kk++) o[MR * kk + r] = a[kk * lda + row];
      } else {
        for (i32 kk = 0; kk < k; kk++) o[MR * kk + r] = a[row * lda + kk];
      }
    }
  }
}

/* Floats of scratch one part of matmul, conv2d or conv2d_backprop_input needs, for a product of depth k. */
EXPORT("gemm_scratch") i32 gemm_scratch(i32 k) { return MB * k + NR * k + k + 4; }

/*
 * Rows [r0, r1) of C (batch, m, n) = A (batch, m, k) @ B (batch, k, n), rows counted over the batch. A is
 * stored (batch, k, m) when transa, B (batch, n, k) when transb; batch entry i of A starts at a + i*stride_a
 * (0 broadcasts one matrix), likewise B.
 */
EXPORT("matmul")
void matmul(i32 m, i32 n, i32 k, const float *a, i32 transa, i32 stride_a, const float *b, i32 transb, i32 stride_b, float *c, i32 r0,
            i32 r1, float *scratch) {
  float *pa = scratch, *pb = scratch + MB * k;
  Indirect ind = indirect_scratch(scratch, 1, k);
  for (i32 r = r0; r < r1;) {
    const i32 bi = r / m, row = r % m, rows = min(MB, min(m - row, r1 - r));
    const float *ab = a + bi * stride_a;
    if (!transa) {
      // Rows of A read in place, one "tap" of depth k each.
      const i32 padded = (rows + MR - 1) & ~(MR - 1);
      for (i32 i = 0; i < padded; i++) ind.ptrs[i] = i < rows ? ab + (row + i) * k : ind.zero;
      gemm_indirect(rows, 1, k, ind.ptrs, n, b + bi * stride_b, transb ? k : n, transb, c + r * n, n, ind.pb);
    } else {
      pack_a(ab, transa ? m : k, transa, row, rows, k, pa);
      gemm_packed(rows, k, n, pa, b + bi * stride_b, transb ? k : n, transb, c + r * n, n, 0, pb);
    }
    r += rows;
  }
}

/*
 * Output pixels [r0, r1) of y (n, oh, ow, co) = conv2d(x (n, h, w, ci), filter (fh, fw, ci, co)): each pixel's
 * patch times the filter as a (fh*fw*ci, co) matrix.
 */
EXPORT("conv2d") void conv2d(const Geometry *g, const float *x, const float *filter, float *y, i32 r0, i32 r1, float *scratch) {
  const i32 taps = g->fh * g->fw, pixels = g->oh * g->ow;
  Indirect ind = indirect_scratch(scratch, taps, g->ci);
  for (i32 p0 = r0; p0 < r1; p0 += MB) {
    const i32 rows = min(MB, r1 - p0), padded = (rows + MR - 1) & ~(MR - 1);
    for (i32 r = 0; r < padded; r++) {
      const float **row = ind.ptrs + r * taps;
      const i32 p = p0 + r, b = p / pixels, oy = (p % pixels) / g->ow, ox = p % g->ow;
      for (i32 i = 0; i < g->fh; i++) {
        const i32 iy = oy * g->sh + i * g->dh - g->top;
        for (i32 j = 0; j < g->fw; j++) {
          const i32 ix = ox * g->sw + j * g->dw - g->left;
          const i32 inside = r < rows && iy >= 0 && iy < g->h && ix >= 0 && ix < g->w;
          row[i * g->fw + j] = inside ? x + ((b * g->h + iy) * g->w + ix) * g->ci : ind.zero;
        }
      }
    }
    gemm_indirect(rows, taps, g->ci, ind.ptrs, g->co, filter, g->co, 0, y + p0 * g->co, g->co, ind.pb);
  }
}

/*
 * Input pixels [r0, r1) of dx (n, h, w, ci), the input gradient of conv2d: each pixel's output-gradient patch
 * times filter_t (fh, fw, co, ci), the filter with its channel axes swapped (./ops.ts swaps them). For input
 * pixel (b, y, x) and filter tap (i, j), the patch holds the dy pixel (b, oy, ox) that the tap joined to it in
 * the forward pass, oy = (y + top - i*dh) / sh where that divides exactly and lands inside dy (else zeros).
 */
EXPORT("conv2d_backprop_input")
void conv2d_backprop_input(const Geometry *g, const float *dy, const float *filter_t, float *dx, i32 r0, i32 r1, float *scratch) {
  const i32 taps = g->fh * g->fw, pixels = g->h * g->w;
  Indirect ind = indirect_scratch(scratch, taps, g->co);
  for (i32 p0 = r0; p0 < r1; p0 += MB) {
    const i32 rows = min(MB, r1 - p0), padded = (rows + MR - 1) & ~(MR - 1);
    for (i32 r = 0; r < padded; r++) {
      const float **row = ind.ptrs + r * taps;
      const i32 p = p0 + r, b = p / pixels, y = (p % pixels) / g->w, x = p % g->w;
      for (i32 i = 0; i < g->fh; i++) {
        // Stride 1 needs no division (an integer division per tap cost as much as the taps' products).
        const i32 ny = y + g->top - i * g->dh, oy = g->sh == 1 ? ny : ny / g->sh;
        const i32 iny = r < rows && ny >= 0 && (g->sh == 1 || ny % g->sh == 0) && oy < g->oh;
        for (i32 j = 0; j < g->fw; j++) {
          const i32 nx = x + g->left - j * g->dw, ox = g->sw == 1 ? nx : nx / g->sw;
          const i32 inside = iny && nx >= 0 && (g->sw == 1 || nx % g->sw == 0) && ox < g->ow;
          row[i * g->fw + j] = inside ? dy + ((b * g->oh + oy) * g->ow + ox) * g->co : ind.zero;
        }
      }
    }
    gemm_indirect(rows, taps, g->co, ind.ptrs, g->ci, filter_t, g->ci, 0, dx + p0 * g->ci, g->ci, ind.pb);
  }
}

/* Floats (and ints) of scratch one part of conv2d_backprop_filter needs. */
EXPORT("filter_scratch") i32 filter_scratch(void) { return MB * KB + NR * KB + 3 * KB; }

/*
 * Rows q of the transposed patch matrix for patch rows [q0, q0 + rows) and pixels [s0, s0 + kb), into tiles of
 * MR rows, pixel-major; iy0, ix0, base: each pixel's top-left input row, column and image offset (pixels).
 */
static void pack_patches_t(const Geometry *g, const float *x, i32 q0, i32 rows, i32 kb, const i32 *iy0, const i32 *ix0, const i32 *base,
                           float *out) {
  for (i32 t = 0; t < rows; t += MR) {
    float *o = out + t * kb;
    const i32 q = q0 + t, c0 = q % g->ci, tap = q / g->ci;
    if (t + MR <= rows && c0 + MR <= g->ci) {
      // Four consecutive channels of one tap: one vector per pixel.
      const i32 dy = (tap / g->fw) * g->dh, dx = (tap % g->fw) * g->dw;
      for (i32 s = 0; s < kb; s++) {
        const i32 iy = iy0[s] + dy, ix = ix0[s] + dx;
        const f4 v = iy < 0 || iy >= g->h || ix < 0 || ix >= g->w ? wasm_f32x4_splat(0.0f)
                                                                : wasm_v128_load(x + (base[s] + iy * g->w + ix) * g->ci + c0);
        wasm_v128_store(o + MR * s, v);
      }
      continue;
    }
    for (i32 r = 0; r < MR; r++) {
      if (t + r >= rows) {
        for (i32 s = 0; s < kb; s++) o[MR * s + r] = 0.0f;
        continue;
      }
      const i32 qr = q + r, c = qr % g->ci, tr = qr / g->ci;
      const i32 dy = (tr / g->fw) * g->dh, dx = (tr % g->fw) * g->dw;
      for (i32 s = 0; s < kb; s++) {
        const i32 iy = iy0[s] + dy, ix = ix0[s] + dx;
        o[MR * s + r] = iy < 0 || iy >= g->h || ix < 0 || ix >= g->w ? 0.0f : x[(base[s] + iy * g->w + ix) * g->ci + c];
      }
    }
  }
}

/*
 * Rows [r0, r1) of dw (fh*fw*ci, co), the filter gradient of conv2d: patches^T (fh*fw*ci, n*oh*ow) @ dy
 * (n*oh*ow, co), the sum over pixels in blocks of KB pixels, each block added onto the sum so far.
 */
EXPORT("conv2d_backprop_filter")
void conv2d_backprop_filter(const Geometry *g, const float *x, const float *dy, float *dw, i32 r0, i32 r1, float *scratch) {
  const i32 total = g->n * g->oh * g->ow, pixels = g->oh * g->ow;
  float *pa = scratch, *pb = scratch + MB * KB;
  i32 *iy0 = (i32 *)(pb + NR * KB), *ix0 = iy0 + KB, *base = ix0 + KB;
  for (i32 s0 = 0; s0 < total; s0 += KB) {
    const i32 kb = min(KB, total - s0);
    for (i32 s = 0; s < kb; s++) {
      const i32 p = s0 + s, b = p / pixels;
      iy0[s] = ((p % pixels) / g->ow) * g->sh - g->top;
      ix0[s] = (p % g->ow) * g->sw - g->left;
      base[s] = b * g->h * g->w;
    }
    for (i32 q = r0; q < r1; q += MB) {
      const i32 rows = min(MB, r1 - q);
      pack_patches_t(g, x, q, rows, kb, iy0, ix0, base, pa);
      gemm_packed(rows, kb, g->co, pa, dy + s0 * g->co, g->co, 0, dw + q * g->co, g->co, s0 > 0, pb);
    }
  }
}

/*
 * Depthwise convolutions: output channel o = c*mult + m reads input channel c through filter[i, j, c, m]
 * (filter (fh, fw, ci, mult)). Each output element is one sum over the filter taps (i, j) in order (and m
 * after them, for the input gradient), or over the pixels in order (the filter gradient), started at 0, taps
 * that fall in the padding skipped; four channels at a time where mult is 1, one at a time otherwise and for
 * the channels past the last multiple of 4 (the same float operations either way).
 */

/* Output pixels [r0, r1) of y (n, oh, ow, ci*mult) = depthwise_conv2d(x (n, h, w, ci), filter). */
EXPORT("depthwise_conv2d") void depthwise_conv2d(const Geometry *g, const float *x, const float *filter, float *y, i32 r0, i32 r1, float *scratch) {
  const i32 pixels = g->oh * g->ow, co = g->co, c4 = g->mult == 1 ? co & ~3 : 0;
  for (i32 p = r0; p < r1; p++) {
    const i32 b = p / pixels, oy = (p % pixels) / g->ow, ox = p % g->ow;
    float *out = y + p * co;
    for (i32 o = 0; o < co; o++) out[o] = 0.0f;
    for (i32 i = 0; i < g->fh; i++) {
      const i32 iy = oy * g->sh + i * g->dh - g->top;
      if (iy < 0 || iy >= g->h) continue;
      for (i32 j = 0; j < g->fw; j++) {
        const i32 ix = ox * g->sw + j * g->dw - g->left;
        if (ix < 0 || ix >= g->w) continue;
        const float *src = x + ((b * g->h + iy) * g->w + ix) * g->ci, *f = filter + (i * g->fw + j) * co;
        for (i32 o = 0; o < c4; o += 4)
          wasm_v128_store(out + o, wasm_f32x4_add(wasm_v128_load(out + o), wasm_f32x4_mul(wasm_v128_load(src + o), wasm_v128_load(f + o))));
        for (i32 o = c4; o < co; o++) out[o] += src[o / g->mult] * f[o];
      }
    }
  }
}

/* Input pixels [r0, r1) of dx (n, h, w, ci), the input gradient of depthwise_conv2d, from dy (n, oh, ow, ci*mult). */
EXPORT("depthwise_backprop_input")
void depthwise_backprop_input(const Geometry *g, const float *dy, const float *filter, float *dx, i32 r0, i32 r1, float *scratch) {
  const i32 pixels = g->h * g->w, ci = g->ci, mult = g->mult, c4 = mult == 1 ? ci & ~3 : 0;
  for (i32 p = r0; p < r1; p++) {
    const i32 b = p / pixels, y = (p % pixels) / g->w, x = p % g->w;
    float *out = dx + p * ci;
    for (i32 c = 0; c < ci; c++) out[c] = 0.0f;
    for (i32 i = 0; i < g->fh; i++) {
      const i32 ny = y + g->top - i * g->dh, oy = ny / g->sh;
      if (ny < 0 || ny % g->sh != 0 || oy >= g->oh) continue;
      for (i32 j = 0; j < g->fw; j++) {
        const i32 nx = x + g->left - j * g->dw, ox = nx / g->sw;
        if (nx < 0 || nx % g->sw != 0 || ox >= g->ow) continue;
        const float *src = dy + ((b * g->oh + oy) * g->ow + ox) * g->co, *f = filter + (i * g->fw + j) * g->co;
        for (i32 c = 0; c < c4; c += 4)
          wasm_v128_store(out + c, wasm_f32x4_add(wasm_v128_load(out + c), wasm_f32x4_mul(wasm_v128_load(src + c), wasm_v128_load(f + c))));
        for (i32 c = c4; c < ci; c++)
          for (i32 m = 0; m < mult; m++) out[c] += src[c * mult + m] * f[c * mult + m];
      }
    }
  }
}

/*
 * Output channels [r0, r1) of dw (fh, fw, ci, mult), the filter gradient of depthwise_conv2d (row o of the call
 * is output channel o = c*mult + m, for every tap): the sum over the output pixels in order.
 */
EXPORT("depthwise_backprop_filter")
void depthwise_backprop_filter(const Geometry *g, const float *x, const float *dy, float *dw, i32 r0, i32 r1, float *scratch) {
  const i32 pixels = g->oh * g->ow, total = g->n * pixels, co = g->co, mult = g->mult, taps = g->fh * g->fw;
  const i32 v1 = mult == 1 ? r0 + ((r1 - r0) & ~3) : r0;
  for (i32 t = 0; t < taps; t++)
    for (i32 o = r0; o < r1; o++) dw[t * co + o] = 0.0f;
  for (i32 p = 0; p < total; p++) {
    const i32 b = p / pixels, oy = (p % pixels) / g->ow, ox = p % g->ow;
    const float *d = dy + p * co;
    for (i32 i = 0; i < g->fh; i++) {
      const i32 iy = oy * g->sh + i * g->dh - g->top;
      if (iy < 0 || iy >= g->h) continue;
      for (i32 j = 0; j < g->fw; j++) {
        const i32 ix = ox * g->sw + j * g->dw - g->left;
        if (ix < 0 || ix >= g->w) continue;
        const float *src = x + ((b * g->h + iy) * g->w + ix) * g->ci;
        float *acc = dw + (i * g->fw + j) * co;
        for (i32 o = r0; o < v1; o += 4)
          wasm_v128_store(acc + o, wasm_f32x4_add(wasm_v128_load(acc + o), wasm_f32x4_mul(wasm_v128_load(src + o), wasm_v128_load(d + o))));
        for (i32 o = v1; o < r1; o++) acc[o] += src[o / mult] * d[o];
      }
    }
  }
}

/*
 * Columns [r0, r1) of out (n) = the sums of x (rows, n) over its rows, in row order, in float64 (acc, n
 * doubles of scratch): a bias gradient. Columns are independent, so a split over them changes nothing.
 */
EXPORT("column_sums") void column_sums(i32 rows, i32 n, const float *x, float *out, double *acc, i32 r0, i32 r1) {
  const i32 v1 = r0 + ((r1 - r0) & ~3);
  for (i32 j = r0; j < r1; j++) acc[j] = 0.0;
  for (i32 r = 0; r < rows; r++) {
    const float *row = x + r * n;
    for (i32 j = r0; j < v1; j += 4) {
      const f4 v = wasm_v128_load(row + j);
      wasm_v128_store(acc + j, wasm_f64x2_add(wasm_v128_load(acc + j), wasm_f64x2_promote_low_f32x4(v)));
      wasm_v128_store(acc + j + 2, wasm_f64x2_add(wasm_v128_load(acc + j + 2), wasm_f64x2_promote_low_f32x4(wasm_i32x4_shuffle(v, v, 2, 3, 0, 1))));
    }
    for (i32 j = v1; j < r1; j++) acc[j] += (double)row[j];
  }
  for (i32 j = r0; j < r1; j++) out[j] = (float)acc[j];
}

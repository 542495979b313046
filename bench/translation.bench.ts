/**
 * Translation models on the wasm backend against PyTorch on the same CPU, same shapes (the local
 * profile's: vocabulary 2000, width 64, the Transformer with one encoder and one decoder layer, Mamba
 * with the layer count matched to it in parameters, batches of 64 pairs of 16 + 16 tokens):
 * - training tokens/s: one step of the shared loop's pieces (label-smoothed loss on the target
 *   positions, gradients, clipping, AdamW), counting source + target tokens;
 * - decoding tokens/s: greedy steps of the whole batch after the prompt, the Transformer with its
 *   key/value cache, Mamba with its recurrent state (decoding.ts adapters; reads with await data()).
 * The peer is bench/peers/translation_peer.py (Debian's python3-torch, 2 threads; it prints its BLAS).
 * Run: npx tsx bench/translation.bench.ts   (writes build/bench/translation.json)
 */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { writeFileAtomic } from '../engine/files/fsx.ts';
import { setupBackend } from '../kernels/backend/index.ts';
import * as tf from '../kernels/tf.ts';
import { Rng } from '../experiments/models/rng.ts';
import { AdamW, clipByGlobalNorm } from '../experiments/training/index.ts';
import { buildSystem, mambaConfigFor, type Architecture, type SizeSpec } from '../experiments/translation/systems.ts';
import type { EncodedPair } from '../experiments/translation/batches.ts';
import { measureAsync, type Timing } from './timing.ts';

const OUT_FILE = 'build/bench/translation.json';
const VOCAB = 2000;
const SIZE: SizeSpec = { dModel: 64, layers: 1, nHead: 4, mlpRatio: 4 };
const BATCH = 64;
const SRC = 16;
const TGT = 16;
const DECODE_STEPS = 16;
const REPEATS = 2;
const PEER = { warmup: 1, repeats: 2, threads: 2 };

const loadBefore = loadavg()[0]!;
await setupBackend('wasm');

const rng = new Rng(0);
const ids = (n: number) => Array.from({ length: n }, () => 5 + rng.int(VOCAB - 5));
const batch: EncodedPair[] = Array.from({ length: BATCH }, () => ({ src: ids(SRC), tgt: ids(TGT) }));

interface ArchTimes {
  params: number;
  layers: number;
  train: Timing;
  decode: Timing;
}

async function archTimes(arch: Architecture): Promise<ArchTimes> {
  const system = buildSystem(arch, SIZE, VOCAB, 0, 1);
  const vars = system.params.list();
  const optimizer = new AdamW({ weightDecay: 1e-4 });
  const stepRng = new Rng(1);
  const train = await measureAsync(async () => {
    const { value, grads } = tf.variableGrads(() => system.loss(batch, stepRng, 0.1), vars);
    const clipped = clipByGlobalNorm(grads, 1);
    optimizer.apply(vars, clipped.grads, 1e-3);
    await value.data();
    tf.dispose([value, grads, clipped.grads, clipped.norm]);
  }, REPEATS, 1);
  const sources = batch.map((p) => p.src);
  const decode = await measureAsync(async () => {
    const { state, logProbs } = system.decoder.start(sources);
    let s = state;
    let lp = logProbs;
    for (let t = 0; t < DECODE_STEPS; t++) {
      const next = tf.tidy(() => tf.cast(tf.argMax(lp, -1), 'int32')) as tf.Tensor1D;
      await next.data();
      lp.dispose();
      const r = system.decoder.step(next, s);
      const keep = new Set(system.decoder.tensors(r.state).map((x) => x.id));
      tf.dispose(system.decoder.tensors(s).filter((x) => !keep.has(x.id)));
      next.dispose();
      s = r.state;
      lp = r.logProbs;
    }
    await lp.data();
    lp.dispose();
    tf.dispose(system.decoder.tensors(s));
  }, REPEATS, 1);
  const out = { params: system.parameters, layers: system.layers, train, decode };
  optimizer.dispose();
  system.dispose();
  return out;
}

// The decode timing includes reading the prompt (Transformer: one encoder pass; Mamba: one recurrent step per prompt token).
const ours = { transformer: await archTimes('transformer'), mamba: await archTimes('mamba') };

function pytorchPeer(): Record<string, unknown> | { error: string } {
  const python = '/usr/bin/python3';
  if (!existsSync(python)) return { error: `${python} not found (Debian's python3-torch provides the peer)` };
  const config = {
    vocab: VOCAB, dModel: SIZE.dModel, batch: BATCH, srcLen: SRC, tgtLen: TGT, decodeSteps: DECODE_STEPS,
    transformer: { layers: SIZE.layers, nHead: SIZE.nHead, mlpRatio: SIZE.mlpRatio },
    mamba: { layers: mambaConfigFor(SIZE, VOCAB, 0).nLayer },
  };
  try {
    const raw = execFileSync(python, ['bench/peers/translation_peer.py', JSON.stringify(config), String(PEER.warmup), String(PEER.repeats), String(PEER.threads)], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'inherit'],
      timeout: 600_000,
    });
    return JSON.parse(raw.trim().split('\n').pop()!);
  } catch (e) {
    return { error: (e as Error).message.split('\n')[0]! };
  }
}

const peer = pytorchPeer();
const loadAfter = loadavg()[0]!;
const trainTokens = BATCH * (SRC + TGT);
const decodeTokens = BATCH * DECODE_STEPS;
// Ours are Timings (median wall in wallMs); the peers report their median wall as medianMs.
const rate = (tokens: number, t: { wallMs?: number; medianMs?: number; cpuMs: number }) => ({ wall: (tokens * 1000) / (t.wallMs ?? t.medianMs!), cpu: (tokens * 1000) / t.cpuMs });

console.log(`\ntranslation bench (${cpus()[0]?.model ?? 'cpu'}, ${cpus().length} cores; load average ${loadBefore.toFixed(1)} -> ${loadAfter.toFixed(1)})`);
console.log(`shapes: vocabulary ${VOCAB}, width ${SIZE.dModel}, batch ${BATCH} x (${SRC} + ${TGT}) tokens, ${DECODE_STEPS} greedy steps`);
if ('error' in peer) console.log(`PyTorch peer: not run (${peer.error})`);
else console.log(`PyTorch ${peer.torch}, ${peer.threads} threads, BLAS ${peer.blas}`);
console.log('\ntokens/s (wall; CPU-time figure in brackets)   tfjs wasm              PyTorch                tfjs / PyTorch (wall)');
const rows: Record<string, unknown> = {};
for (const arch of ['transformer', 'mamba'] as const) {
  const p = 'error' in peer ? null : (peer[arch] as { params: number; train: { medianMs: number; cpuMs: number }; decode: { medianMs: number; cpuMs: number } });
  for (const what of ['train', 'decode'] as const) {
    const tokens = what === 'train' ? trainTokens : decodeTokens;
    const a = rate(tokens, ours[arch][what]);
    const b = p ? rate(tokens, p[what]) : null;
    rows[`${arch}.${what}`] = { tfjs: a, pytorch: b, ratio: b ? a.wall / b.wall : null };
    const f = (r: { wall: number; cpu: number } | null) => (r ? `${r.wall.toFixed(0).padStart(8)} (${r.cpu.toFixed(0).padStart(7)})` : '       -          ');
    console.log(`${`${arch} ${what} (${ours[arch].params} params${p ? ` / ${p.params}` : ''})`.padEnd(46)} ${f(a)}   ${f(b)}   ${b ? (a.wall / b.wall).toFixed(2) : '-'}`);
  }
}
writeFileAtomic(OUT_FILE, `${JSON.stringify({ loadBefore, loadAfter, cores: cpus().length, shapes: { VOCAB, SIZE, BATCH, SRC, TGT, DECODE_STEPS }, ours, peer, rows }, null, 1)}\n`);
console.log(`\nwritten to ${OUT_FILE}`);

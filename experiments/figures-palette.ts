/**
 * One colour per method across every figure of the report, and the text size and axis helpers the
 * figures share. A method keeps its colour wherever it appears (the fused scan and Mamba are the same
 * blue in the timing and the accuracy figures; attention and the Transformer the same red), so a reader
 * never has to relearn a legend. The colours are Plot's observable10 tones, legible on the light and
 * the dark page alike. Presentation only: no experiment imports this file, so it is in no cache key.
 */
export const METHOD_COLORS = {
  /** Mamba, its selective scan (any implementation that is "the" scan), MedMamba. */
  mamba: '#4269d0',
  /** Mamba with the dropout layers. */
  mambaDropout: '#97bbf5',
  /** Attention and the Transformer built on it. */
  attention: '#ff725c',
  /** The Transformer with residual dropout. */
  attentionDropout: '#ff8ab7',
  /** The time-invariant SSM (S4D-Real) in the Mamba block. */
  lti: '#3ca951',
  /** The scan as a loop of framework ops over time (the slow reference). */
  reference: '#9498a0',
  /** The scan in chunks of framework ops. */
  chunked: '#a463f2',
  /** A convolutional baseline (ResNet). */
  convolution: '#9c6b4e',
  /** The original study's own logged numbers. */
  original: '#efb118',
} as const;
export type Method = keyof typeof METHOD_COLORS;

/**
 * A Plot colour scale for labelled series: `series` maps each label shown in the legend to its method,
 * in legend order. A label that names no known method is an error, not a silent default colour.
 */
export function methodColorScale(series: ReadonlyArray<readonly [label: string, method: Method]>, legend = true) {
  for (const [label, method] of series) {
    if (!(method in METHOD_COLORS)) throw new Error(`figure palette: series '${label}' names unknown method '${method}' (known: ${Object.keys(METHOD_COLORS).join(', ')})`);
  }
  return { legend, domain: series.map(([label]) => label), range: series.map(([, method]) => METHOD_COLORS[method]) };
}

/** Figure text in CSS pixels: axis ticks, labels and legends stay at this size on every screen. */
export const FIGURE_FONT_PX = 12;

/** Below this drawing width a figure re-lays itself out for a phone (fewer ticks, stacked facets). */
export const NARROW_WIDTH = 480;
export const isNarrow = (width: number): boolean => width < NARROW_WIDTH;

/** The style every figure passes to Plot: text size fixed in pixels, colours from the page. */
export const figureStyle = { fontSize: `${FIGURE_FONT_PX}px`, overflow: 'visible' } as const;

/** A length in tokens as a tick label: 128, 1k, 64k (powers of two measured, written short). */
export function lengthTick(l: number): string {
  return l >= 1024 && l % 1024 === 0 ? `${l / 1024}k` : String(l);
}

/**
 * Ticks of a log axis at the lengths actually measured. Where the axis is too short to label them
 * all at least `minSpacing` px apart, every second (or third...) one, counted from the longest down so
 * the longest is always labelled.
 */
export function measuredTicks(lengths: readonly number[], axisWidth: number, minSpacing = 40): number[] {
  const sorted = [...new Set(lengths)].sort((a, b) => a - b);
  const step = Math.max(1, Math.ceil((sorted.length * minSpacing) / axisWidth));
  return sorted.filter((_, i) => (sorted.length - 1 - i) % step === 0);
}

import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { findBareDigits } from './bare-digits.ts';

const texts = (source: string) => findBareDigits(source).map((f) => f.text);

describe('the bare-digit scanner', () => {
  it('finds numbers typed in prose, with their line and column', () => {
    expect(findBareDigits('Width of\n512 channels and 0.7 dropout')).toEqual([
      { line: 2, column: 1, text: '512', context: '512 channels and 0.7 dropout' },
      { line: 2, column: 18, text: '0.7', context: '512 channels and 0.7 dropout' },
    ]);
    expect(texts('about 77M parameters, 2k tokens, 12x faster, 4,096 tokens, $p = 0$')).toEqual(['77', '2', '12', '4,096', '0']);
    expect(texts('in 2024 the model')).toEqual(['2024']);
    expect(texts('its Figure 2 shows')).toEqual(['2']);
  });

  it('leaves directives, original boxes, names, section numbers, citation years and link targets alone', () => {
    const source = [
      'Accuracy {{value selective-copying:model=mamba.finalAccuracy.mean format=".1%"}} on CIFAR-10 and ViT-H/14, S6, S4D.',
      '::: original Table 2 of the study',
      '| CIFAR-10 | 0.744 | 481 |',
      ':::',
      'See section 4.1 of the paper (Vaswani et al. 2017; Gu and Dao 2023), [the scan](../kernels/scan2.ts) {#sec:x1} @fig:fig2 [@gu2023mamba].',
      '<https://example.org/a/1> and https://example.org/2',
    ].join('\n');
    expect(findBareDigits(source)).toEqual([]);
  });

  it('scans the texts of a claim but not its condition', () => {
    expect(texts('{{claim a:x > 0.1 ? "well above chance" : "close to chance"}}')).toEqual([]);
    expect(texts('{{claim a:x > 0.1 ? "more than 10 points" : "less"}}')).toEqual(['10']);
    expect(texts('{{claim a:x > 0.1 ? "say \\"3\\" here" : "no"}}')).toEqual(['3']);
  });
});

describe('report prose', () => {
  const dir = join(import.meta.dirname, '../../report');
  // README.md documents the directives (with examples); it is not part of the report.
  const files = readdirSync(dir).filter((f) => f.endsWith('.md') && f !== 'README.md').sort();

  it.each(files)('%s has no number typed by hand', (file) => {
    const findings = findBareDigits(readFileSync(join(dir, file), 'utf8')).map((f) => `report/${file}:${f.line}:${f.column}: '${f.text}' in: ${f.context}`);
    expect(findings).toEqual([]);
  });
});

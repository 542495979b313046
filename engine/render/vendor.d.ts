// Type declarations for the renderer's packages that ship none.

declare module 'markdown-it-container' {
  import type MarkdownIt from 'markdown-it';
  import type { Token } from 'markdown-it';
  interface ContainerOptions {
    validate?(params: string, markup: string): boolean;
    render?(tokens: Token[], idx: number, options: unknown, env: unknown, self: unknown): string;
    marker?: string;
  }
  const container: (md: MarkdownIt, name: string, options?: ContainerOptions) => void;
  export default container;
}

declare module 'markdown-it-footnote' {
  import type MarkdownIt from 'markdown-it';
  const footnote: (md: MarkdownIt) => void;
  export default footnote;
}

declare module '@citation-js/core' {
  export class Cite {
    constructor(data: unknown, options?: Record<string, unknown>);
    data: Array<Record<string, unknown> & { id: string }>;
    format(
      format: 'bibliography',
      options: { format: 'html' | 'text'; template: string; lang: string; entry?: string | string[] },
    ): string;
  }
}

declare module '@citation-js/plugin-bibtex';
declare module '@citation-js/plugin-csl';

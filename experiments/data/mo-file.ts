/**
 * A reader for GNU gettext's compiled message catalogs (`.mo`).
 *
 * Layout (GNU gettext manual, "The Format of GNU MO Files"): a 32-bit magic 0x950412de, written in the
 * byte order of the machine that compiled the file (so read as little-endian it is 0x950412de or, for
 * a big-endian file, 0xde120495); then revision, N (number of strings), O (offset of the table of
 * original strings) and T (offset of the table of translations), all uint32 in that byte order. Each
 * table holds N (length, offset) pairs pointing at NUL-terminated byte strings.
 * - An original string is `context \x04 msgid`, with `\0 msgid_plural` appended for plural entries;
 *   a translation holds the plural forms separated by `\0` (msgstr[0], msgstr[1], ...).
 * - The entry with an empty msgid is the header; its `Content-Type: ...; charset=X` line names the
 *   encoding of every string in the file (decoded with the WHATWG TextDecoder; `CHARSET`, the
 *   template placeholder, and a missing charset are read as UTF-8, as msgfmt does for ASCII files).
 */

export interface MoEntry {
  /** msgctxt, when the entry has one. */
  context?: string;
  msgid: string;
  msgidPlural?: string;
  /** msgstr, or msgstr[0..] for plural entries. */
  msgstr: string[];
}

export interface MoCatalog {
  charset: string;
  /** The header entry's text (msgstr of the empty msgid), '' when the file has none. */
  header: string;
  /** Every entry except the header, in file order (msgfmt sorts them by msgid). */
  entries: MoEntry[];
}

const MAGIC = 0x950412de;

/** Parse a .mo file; `name` (a path) appears in every error. */
export function parseMo(bytes: Uint8Array, name: string): MoCatalog {
  if (bytes.length < 28) throw new Error(`${name}: ${bytes.length} bytes, too short for a .mo header (28 bytes)`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let little: boolean;
  if (view.getUint32(0, true) === MAGIC) little = true;
  else if (view.getUint32(0, false) === MAGIC) little = false;
  else throw new Error(`${name}: not a .mo file (magic 0x${view.getUint32(0, true).toString(16)}, expected 0x950412de in either byte order)`);
  const u32 = (at: number): number => {
    if (at + 4 > bytes.length) throw new Error(`${name}: truncated (reading offset ${at} of ${bytes.length} bytes)`);
    return view.getUint32(at, little);
  };
  const revision = u32(4);
  if (revision >>> 16 > 1) throw new Error(`${name}: unsupported .mo major revision ${revision >>> 16}`);
  const n = u32(8);
  const origTable = u32(12);
  const transTable = u32(16);
  const raw = (table: number, i: number): Uint8Array => {
    const len = u32(table + 8 * i);
    const off = u32(table + 8 * i + 4);
    if (off + len > bytes.length) throw new Error(`${name}: string ${i} (offset ${off}, length ${len}) runs past the end (${bytes.length} bytes)`);
    return bytes.subarray(off, off + len);
  };

  // The header (empty msgid) comes first after msgfmt's sort; look it up anyway, as a msgid of length 0.
  let headerBytes: Uint8Array | undefined;
  for (let i = 0; i < n; i++) {
    if (raw(origTable, i).length === 0) {
      headerBytes = raw(transTable, i);
      break;
    }
  }
  const headerAscii = headerBytes ? new TextDecoder('latin1').decode(headerBytes) : '';
  const m = /charset=([^\s;]+)/i.exec(headerAscii);
  const charset = !m || m[1].toUpperCase() === 'CHARSET' ? 'utf-8' : m[1].toLowerCase();
  let decoder: TextDecoder;
  try {
    decoder = new TextDecoder(charset, { fatal: true });
  } catch {
    throw new Error(`${name}: unknown charset '${charset}' in the header`);
  }
  const decode = (b: Uint8Array, what: string): string => {
    try {
      return decoder.decode(b);
    } catch {
      throw new Error(`${name}: ${what} is not valid ${charset}`);
    }
  };

  const entries: MoEntry[] = [];
  for (let i = 0; i < n; i++) {
    const o = raw(origTable, i);
    if (o.length === 0) continue;
    const orig = decode(o, `original string ${i}`);
    const trans = decode(raw(transTable, i), `translation ${i}`);
    const ctxAt = orig.indexOf('\x04');
    const context = ctxAt >= 0 ? orig.slice(0, ctxAt) : undefined;
    const ids = (ctxAt >= 0 ? orig.slice(ctxAt + 1) : orig).split('\0');
    const entry: MoEntry = { msgid: ids[0], msgstr: trans.split('\0') };
    if (context !== undefined) entry.context = context;
    if (ids.length > 1) entry.msgidPlural = ids[1];
    entries.push(entry);
  }
  return { charset, header: headerBytes ? decode(headerBytes, 'the header') : '', entries };
}

/** Compile entries into .mo bytes (for test fixtures): the inverse of parseMo, either byte order. */
export function writeMo(
  entries: readonly MoEntry[],
  opts: { charset?: string; littleEndian?: boolean; encode?: (s: string) => Uint8Array } = {},
): Uint8Array {
  const little = opts.littleEndian ?? true;
  const encode = opts.encode ?? ((s: string) => new TextEncoder().encode(s));
  const header = `Content-Type: text/plain; charset=${opts.charset ?? 'UTF-8'}\n`;
  const all: Array<[string, string]> = [
    ['', header],
    ...entries.map((e): [string, string] => [
      (e.context !== undefined ? `${e.context}\x04` : '') + e.msgid + (e.msgidPlural !== undefined ? `\0${e.msgidPlural}` : ''),
      e.msgstr.join('\0'),
    ]),
  ];
  const origs = all.map(([o]) => encode(o));
  const trans = all.map(([, t]) => encode(t));
  const n = all.length;
  const origTable = 28;
  const transTable = origTable + 8 * n;
  let at = transTable + 8 * n;
  const size = at + [...origs, ...trans].reduce((s, b) => s + b.length + 1, 0);
  const out = new Uint8Array(size);
  const view = new DataView(out.buffer);
  view.setUint32(0, MAGIC, little);
  view.setUint32(4, 0, little);
  view.setUint32(8, n, little);
  view.setUint32(12, origTable, little);
  view.setUint32(16, transTable, little);
  view.setUint32(20, 0, little); // no hash table
  view.setUint32(24, at, little);
  const put = (table: number, i: number, b: Uint8Array) => {
    view.setUint32(table + 8 * i, b.length, little);
    view.setUint32(table + 8 * i + 4, at, little);
    out.set(b, at);
    at += b.length + 1; // NUL terminator (already 0)
  };
  origs.forEach((b, i) => put(origTable, i, b));
  trans.forEach((b, i) => put(transTable, i, b));
  return out;
}

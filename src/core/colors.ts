/**
 * Part colours, one module: as dataset metadata may name them (CSS names), as the ONNX metadata stores them (#rrggbb)
 * and as vertex colours want them (0–255 triples).
 */

export type Rgb = [number, number, number];

export function hexToRgb(hex: string): Rgb {
  const m = /^#([0-9a-fA-F]{2})([0-9a-fA-F]{2})([0-9a-fA-F]{2})$/.exec(hex);
  if (!m) throw new RangeError(`"${hex}" is not a #rrggbb colour`);
  return [parseInt(m[1]!, 16), parseInt(m[2]!, 16), parseInt(m[3]!, 16)];
}

const NAMED: Record<string, string> = {
  black: '#000000',
  white: '#ffffff',
  red: '#e6194b',
  green: '#3cb44b',
  blue: '#4363d8',
  yellow: '#ffe119',
  orange: '#f58231',
  purple: '#911eb4',
  cyan: '#42d4f4',
  magenta: '#f032e6',
  lime: '#bfef45',
  pink: '#fabed4',
  teal: '#469990',
  lavender: '#dcbeff',
  brown: '#9a6324',
  beige: '#fffac8',
  maroon: '#800000',
  mint: '#aaffc3',
  olive: '#808000',
  apricot: '#ffd8b1',
  navy: '#000075',
  grey: '#a9a9a9',
  gray: '#a9a9a9',
};

/** A palette with well-separated hues for parts whose metadata gives no colour. */
const PALETTE = [
  '#4363d8',
  '#e6194b',
  '#3cb44b',
  '#f032e6',
  '#f58231',
  '#42d4f4',
  '#ffe119',
  '#911eb4',
  '#469990',
  '#9a6324',
];

/** The colour of "no part": a neutral grey that reads as background. */
export const NONE_COLOR = '#8a8f98';

export function toHexColor(name: string | undefined, index: number): string {
  if (name) {
    const n = name.trim().toLowerCase();
    if (/^#[0-9a-f]{6}$/.test(n)) return n;
    if (NAMED[n]) return NAMED[n]!;
  }
  return PALETTE[index % PALETTE.length]!;
}

/**
 * A strict reader of the protobuf text format (what Triton's config.pbtxt is written in), checked field by field
 * against a protobufjs schema: unknown fields, wrong value kinds, out-of-range numbers, unknown enum names, a
 * singular field or oneof set twice all fail with the line they are on. protobufjs itself has no text-format parser.
 *
 * Covers the format as protobuf's own TextFormat parser reads it: `#` comments, `field: value`, `field { … }` and
 * `field < … >` (colon optional before a message), `[a, b]` lists for repeated fields, map entries as
 * `{ key: … value: … }`, optional `,`/`;` separators, adjacent string literals concatenated, C escapes in strings.
 * Extensions and `Any` expansion (`[type.url]`) are not supported.
 */
import protobuf from 'protobufjs';
import { readFileSync } from 'node:fs';
import { PnetError } from '../../../src/core/errors.ts';

type TokenKind = 'ident' | 'number' | 'string' | 'punct' | 'end';

interface Token {
  kind: TokenKind;
  /** Identifier or punctuation text, number source text, or decoded string bytes (latin-1 code units). */
  text: string;
  line: number;
}

const PUNCT = new Set(['{', '}', '[', ']', '<', '>', ':', ',', ';']);
const SIMPLE_ESCAPES: Record<string, number> = {
  n: 0x0a,
  t: 0x09,
  r: 0x0d,
  a: 0x07,
  b: 0x08,
  f: 0x0c,
  v: 0x0b,
  '\\': 0x5c,
  "'": 0x27,
  '"': 0x22,
  '?': 0x3f,
};

class Lexer {
  private pos = 0;
  private line = 1;

  constructor(
    private readonly src: string,
    private readonly file: string | undefined,
  ) {}

  fail(message: string, line = this.line): never {
    throw new PnetError('BAD_INPUT', message, { file: this.file, line });
  }

  next(): Token {
    this.skipSpaceAndComments();
    const line = this.line;
    if (this.pos >= this.src.length) return { kind: 'end', text: '', line };
    const c = this.src[this.pos]!;
    if (PUNCT.has(c)) {
      this.pos++;
      return { kind: 'punct', text: c, line };
    }
    if (c === '"' || c === "'") return { kind: 'string', text: this.stringLiteral(c), line };
    const number = /^-?(?:0[xX][0-9a-fA-F]+|(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?[fF]?)/.exec(this.src.slice(this.pos));
    if (number && !/[A-Za-z0-9_]/.test(this.src[this.pos + number[0].length] ?? '')) {
      this.pos += number[0].length;
      return { kind: 'number', text: number[0], line };
    }
    const ident = /^-?[A-Za-z_][A-Za-z0-9_]*/.exec(this.src.slice(this.pos));
    if (ident) {
      this.pos += ident[0].length;
      return { kind: 'ident', text: ident[0], line };
    }
    this.fail(`unexpected character ${JSON.stringify(c)}`);
  }

  private skipSpaceAndComments(): void {
    while (this.pos < this.src.length) {
      const c = this.src[this.pos]!;
      if (c === '\n') {
        this.line++;
        this.pos++;
      } else if (c === ' ' || c === '\t' || c === '\r' || c === '\f' || c === '\v') this.pos++;
      else if (c === '#') {
        while (this.pos < this.src.length && this.src[this.pos] !== '\n') this.pos++;
      } else break;
    }
  }

  /** Returns the literal's bytes as latin-1 code units; UTF-8 source characters are kept as their bytes. */
  private stringLiteral(quote: string): string {
    const bytes: number[] = [];
    this.pos++;
    for (;;) {
      if (this.pos >= this.src.length || this.src[this.pos] === '\n') this.fail('unterminated string');
      const c = String.fromCodePoint(this.src.codePointAt(this.pos)!);
      this.pos += c.length;
      if (c === quote) break;
      if (c !== '\\') {
        bytes.push(...Buffer.from(c, 'utf8'));
        continue;
      }
      const e = this.src[this.pos++] ?? '';
      if (e in SIMPLE_ESCAPES) bytes.push(SIMPLE_ESCAPES[e]!);
      else if (/[0-7]/.test(e)) {
        const m = /^[0-7]{0,2}/.exec(this.src.slice(this.pos))![0];
        this.pos += m.length;
        const v = parseInt(e + m, 8);
        if (v > 0xff) this.fail(`octal escape \\${e}${m} is above \\377`);
        bytes.push(v);
      } else if (e === 'x' || e === 'X') {
        const m = /^[0-9a-fA-F]{1,2}/.exec(this.src.slice(this.pos));
        if (!m) this.fail('\\x escape without hex digits');
        this.pos += m[0].length;
        bytes.push(parseInt(m[0], 16));
      } else if (e === 'u' || e === 'U') {
        const digits = e === 'u' ? 4 : 8;
        const m = new RegExp(`^[0-9a-fA-F]{${digits}}`).exec(this.src.slice(this.pos));
        if (!m) this.fail(`\\${e} escape needs ${digits} hex digits`);
        this.pos += digits;
        bytes.push(...Buffer.from(String.fromCodePoint(parseInt(m[0], 16)), 'utf8'));
      } else this.fail(`unknown escape \\${e}`);
    }
    return String.fromCharCode(...bytes);
  }
}

const INT_RANGES: Record<string, [bigint, bigint]> = {
  int32: [-(2n ** 31n), 2n ** 31n - 1n],
  sint32: [-(2n ** 31n), 2n ** 31n - 1n],
  sfixed32: [-(2n ** 31n), 2n ** 31n - 1n],
  uint32: [0n, 2n ** 32n - 1n],
  fixed32: [0n, 2n ** 32n - 1n],
  int64: [-(2n ** 63n), 2n ** 63n - 1n],
  sint64: [-(2n ** 63n), 2n ** 63n - 1n],
  sfixed64: [-(2n ** 63n), 2n ** 63n - 1n],
  uint64: [0n, 2n ** 64n - 1n],
  fixed64: [0n, 2n ** 64n - 1n],
};
const IS_64_BIT = /64$/;
const utf8 = new TextDecoder('utf-8', { fatal: true });

type Plain = Record<string, unknown>;

const entryTypes = new WeakMap<protobuf.MapField, protobuf.Type>();

/** A map entry is read as a message with fields `key` and `value` (both required here). */
function mapEntryType(field: protobuf.MapField): protobuf.Type {
  let entry = entryTypes.get(field);
  if (!entry) {
    const value = new protobuf.Field('value', 2, field.type);
    value.resolvedType = field.resolvedType;
    entry = new protobuf.Type(`${field.name} entry`).add(new protobuf.Field('key', 1, field.keyType)).add(value);
    entryTypes.set(field, entry);
  }
  return entry;
}

class Parser {
  private token: Token;

  constructor(
    private readonly lexer: Lexer,
    private readonly file: string | undefined,
  ) {
    this.token = lexer.next();
  }

  private fail(message: string, line = this.token.line): never {
    throw new PnetError('BAD_INPUT', message, { file: this.file, line });
  }

  private describe(t: Token): string {
    return t.kind === 'end' ? 'end of file' : t.kind === 'string' ? 'a string' : `"${t.text}"`;
  }

  private advance(): Token {
    const t = this.token;
    this.token = this.lexer.next();
    return t;
  }

  private isPunct(p: string): boolean {
    return this.token.kind === 'punct' && this.token.text === p;
  }

  private expectPunct(p: string): void {
    if (!this.isPunct(p)) this.fail(`expected "${p}", found ${this.describe(this.token)}`);
    this.advance();
  }

  /** Fields until `close` (a punctuation mark) or end of input (top level, close = undefined). */
  parseMessage(type: protobuf.Type, close: string | undefined): Plain {
    const out: Plain = {};
    const oneofs = new Map<string, string>();
    for (;;) {
      if (close === undefined ? this.token.kind === 'end' : this.isPunct(close)) {
        if (close !== undefined) this.advance();
        return out;
      }
      if (this.token.kind === 'end') this.fail(`expected "${close}" before end of file`);
      if (this.isPunct('[')) this.fail('extensions and Any expansions ([type.name]) are not supported');
      if (this.token.kind !== 'ident' || this.token.text.startsWith('-')) {
        this.fail(`expected a field name of ${type.name}, found ${this.describe(this.token)}`);
      }
      const nameToken = this.advance();
      const field = type.fields[nameToken.text];
      if (!field) this.fail(`${type.name} has no field "${nameToken.text}"`, nameToken.line);
      if (!field.repeated && !field.map && nameToken.text in out) {
        this.fail(`${type.name}.${field.name} is not repeated but is set more than once`, nameToken.line);
      }
      if (field.partOf) {
        const other = oneofs.get(field.partOf.name);
        if (other !== undefined && other !== field.name) {
          this.fail(
            `${type.name}: only one of oneof ${field.partOf.name} may be set, got ${other} and ${field.name}`,
            nameToken.line,
          );
        }
        oneofs.set(field.partOf.name, field.name);
      }
      this.parseFieldValue(field, out);
      if (this.isPunct(',') || this.isPunct(';')) this.advance();
    }
  }

  private isMessageField(field: protobuf.Field): boolean {
    return field.map || field.resolvedType instanceof protobuf.Type;
  }

  private parseFieldValue(field: protobuf.Field, out: Plain): void {
    const message = this.isMessageField(field);
    if (this.isPunct(':')) this.advance();
    else if (!message) this.fail(`expected ":" after ${field.name}`);
    const values: unknown[] = [];
    if (this.isPunct('[')) {
      if (!field.repeated && !field.map) this.fail(`${field.name} is not repeated, so it cannot take a [list]`);
      this.advance();
      if (!this.isPunct(']')) {
        for (;;) {
          values.push(message ? this.parseNested(field) : this.parseScalar(field));
          if (this.isPunct(']')) break;
          this.expectPunct(',');
        }
      }
      this.advance();
    } else values.push(message ? this.parseNested(field) : this.parseScalar(field));

    if (field.map) {
      out[field.name] ??= {};
      const map = out[field.name] as Plain;
      for (const entry of values as Array<[string, unknown]>) {
        if (entry[0] in map) this.fail(`${field.name} has the key ${JSON.stringify(entry[0])} twice`);
        map[entry[0]] = entry[1];
      }
    } else if (field.repeated) {
      out[field.name] ??= [];
      (out[field.name] as unknown[]).push(...values);
    } else out[field.name] = values[0];
  }

  private parseNested(field: protobuf.Field): unknown {
    let close: string;
    if (this.isPunct('{')) close = '}';
    else if (this.isPunct('<')) close = '>';
    else this.fail(`expected "{" to open ${field.name}, found ${this.describe(this.token)}`);
    this.advance();
    if (!field.map) return this.parseMessage(field.resolvedType as protobuf.Type, close);
    const line = this.token.line;
    const entry = this.parseMessage(mapEntryType(field as unknown as protobuf.MapField), close);
    if (!('key' in entry) || !('value' in entry)) this.fail(`a ${field.name} entry needs both key and value`, line);
    return [String(entry.key), entry.value];
  }

  private parseScalar(field: protobuf.Field): unknown {
    const t = this.advance();
    const where = `${field.name} (${field.type})`;
    if (field.resolvedType instanceof protobuf.Enum) {
      const e = field.resolvedType;
      if (t.kind === 'ident' && t.text in e.values) return t.text;
      if (t.kind === 'number' && /^-?\d+$/.test(t.text) && Object.values(e.values).includes(Number(t.text))) {
        return e.valuesById[Number(t.text)];
      }
      this.fail(`${where}: ${this.describe(t)} is not one of ${Object.keys(e.values).join(', ')}`, t.line);
    }
    switch (field.type) {
      case 'string':
      case 'bytes': {
        if (t.kind !== 'string') this.fail(`${where}: expected a quoted string, found ${this.describe(t)}`, t.line);
        let raw = t.text;
        while (this.token.kind === 'string') raw += this.advance().text;
        const bytes = Uint8Array.from(raw, (ch) => ch.charCodeAt(0));
        if (field.type === 'bytes') return bytes;
        try {
          return utf8.decode(bytes);
        } catch {
          return this.fail(`${where}: the string is not valid UTF-8`, t.line);
        }
      }
      case 'bool':
        if (t.kind === 'ident' && /^(true|True|t)$/.test(t.text)) return true;
        if (t.kind === 'ident' && /^(false|False|f)$/.test(t.text)) return false;
        if (t.kind === 'number' && (t.text === '1' || t.text === '0')) return t.text === '1';
        return this.fail(`${where}: expected true or false, found ${this.describe(t)}`, t.line);
      case 'double':
      case 'float': {
        if (t.kind === 'ident' && /^-?(inf|infinity|nan)$/i.test(t.text)) {
          return /nan/i.test(t.text) ? NaN : t.text.startsWith('-') ? -Infinity : Infinity;
        }
        if (t.kind !== 'number' || /^-?0[xX]/.test(t.text))
          this.fail(`${where}: expected a number, found ${this.describe(t)}`, t.line);
        return Number(t.text.replace(/[fF]$/, ''));
      }
      default: {
        const range = INT_RANGES[field.type];
        if (!range) this.fail(`${where}: unsupported field type`, t.line);
        if (t.kind !== 'number' || !/^-?(0[xX][0-9a-fA-F]+|\d+)$/.test(t.text)) {
          this.fail(`${where}: expected an integer, found ${this.describe(t)}`, t.line);
        }
        const negative = t.text.startsWith('-');
        const magnitude = BigInt(negative ? t.text.slice(1) : t.text);
        const value = negative ? -magnitude : magnitude;
        if (value < range[0] || value > range[1]) this.fail(`${where}: ${t.text} is out of range`, t.line);
        // 64-bit values travel as decimal strings (exact); protobufjs turns them into Long.
        return IS_64_BIT.test(field.type) ? value.toString() : Number(value);
      }
    }
  }
}

/** Loads a .proto file with field names as written (snake_case), all types resolved. */
export function loadProtoSchema(protoPath: string): protobuf.Root {
  const source = readFileSync(protoPath, 'utf8');
  const { root } = protobuf.parse(source, new protobuf.Root(), { keepCase: true });
  root.resolveAll();
  return root;
}

/**
 * Parses text-format `text` as a `type` message. Throws PnetError BAD_INPUT with `file` and the line on the
 * first problem. The result is a protobufjs message; use `type.toObject(message, …)` for plain values.
 */
export function parseTextFormat(text: string, type: protobuf.Type, file?: string): protobuf.Message {
  const lexer = new Lexer(text, file);
  const plain = new Parser(lexer, file).parseMessage(type, undefined);
  return type.fromObject(plain);
}

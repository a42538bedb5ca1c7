/** The strict text-format reader: what it accepts, and that it rejects what protobuf's own parser rejects. */
import { describe, expect, it } from 'vitest';
import protobuf from 'protobufjs';
import { parseTextFormat } from './pbtxt.ts';
import { modelConfigType } from './model-config-schema.ts';
import { isPnetError } from '../../../src/core/errors.ts';

const { root } = protobuf.parse(
  `syntax = "proto3";
   package t;
   enum Color { RED = 0; GREEN = 1; }
   message Inner { string s = 1; repeated int64 v = 2; }
   message Outer {
     int32 i = 1; uint32 u = 2; int64 big = 3; bool b = 4; double d = 5; float f = 6; string s = 7; bytes raw = 8;
     Color c = 9; repeated Color cs = 10; Inner inner = 11; repeated Inner inners = 12;
     map<string, Inner> by_name = 13; map<string, string> tags = 14;
     oneof pick { string left = 15; int32 right = 16; }
   }`,
  new protobuf.Root(),
  { keepCase: true },
);
root.resolveAll();
const Outer = root.lookupType('t.Outer');

const parse = (text: string) =>
  Outer.toObject(parseTextFormat(text, Outer, 'x.pbtxt'), { longs: String, enums: String, bytes: Array });

function error(text: string): { message: string; line?: number } {
  try {
    parse(text);
  } catch (e) {
    if (isPnetError(e)) {
      expect(e.code).toBe('BAD_INPUT');
      expect(e.file).toBe('x.pbtxt');
      return { message: e.message, line: e.line };
    }
    throw e;
  }
  throw new Error(`parsed without error: ${text}`);
}

describe('text-format reader', () => {
  it('reads scalars, enums, nested and repeated messages, lists, maps and comments', () => {
    const v = parse(`
      # comment
      i: -7 u: 4000000000, big: -9223372036854775808; b: true d: 1.5e3 f: -inf
      s: "a\\"b\\\\c\\n\\101\\x42" 'd' "é"   # adjacent literals concatenate
      raw: "\\000\\377"
      c: GREEN cs: [RED, 1, GREEN]
      inner { s: "x" v: [1, 2] v: 3 }
      inners: [{ s: "p" }, < s: "q" >]
      inners { }
      by_name { key: "k" value { s: "m" } }
      by_name: { key: "k2" value: { v: -1 } }
      tags [{ key: "a" value: "b" }]
      right: 0x10
    `);
    expect(v).toEqual({
      i: -7,
      u: 4000000000,
      big: '-9223372036854775808',
      b: true,
      d: 1500,
      f: -Infinity,
      s: 'a"b\\c\nABdé',
      raw: [0, 255],
      c: 'GREEN',
      cs: ['RED', 'GREEN', 'GREEN'],
      inner: { s: 'x', v: ['1', '2', '3'] },
      inners: [{ s: 'p' }, { s: 'q' }, {}],
      by_name: { k: { s: 'm' }, k2: { v: ['-1'] } },
      tags: { a: 'b' },
      right: 16,
    });
  });

  it('rejects unknown fields, naming the message and the line', () => {
    expect(error('i: 1\n  colour: RED')).toEqual({ message: 'Outer has no field "colour"', line: 2 });
    expect(error('inner { s: "x" nope: 1 }').message).toBe('Inner has no field "nope"');
  });

  it('rejects wrong value kinds and out-of-range numbers', () => {
    expect(error('i: "1"').message).toMatch(/expected an integer/);
    expect(error('i: 2147483648').message).toMatch(/out of range/);
    expect(error('u: -1').message).toMatch(/out of range/);
    expect(error('i: 1.5').message).toMatch(/expected an integer/);
    expect(error('s: 5').message).toMatch(/expected a quoted string/);
    expect(error('b: yes').message).toMatch(/expected true or false/);
    expect(error('c: BLUE').message).toMatch(/not one of RED, GREEN/);
    expect(error('c: 7').message).toMatch(/not one of/);
    expect(error('s: "\\xff"').message).toMatch(/not valid UTF-8/);
  });

  it('rejects a singular field or a oneof set twice, and lists on singular fields', () => {
    expect(error('i: 1 i: 2').message).toMatch(/not repeated but is set more than once/);
    expect(error('inner {} inner {}').message).toMatch(/set more than once/);
    expect(error('left: "a" right: 1').message).toMatch(/only one of oneof pick/);
    expect(error('i: [1, 2]').message).toMatch(/not repeated/);
    expect(error('tags { key: "a" value: "b" } tags { key: "a" value: "c" }').message).toMatch(/key "a" twice/);
    expect(error('tags { key: "a" }').message).toMatch(/needs both key and value/);
  });

  it('rejects broken syntax', () => {
    expect(error('inner { s: "x"').message).toMatch(/expected "}" before end of file/);
    expect(error('i 1').message).toMatch(/expected ":" after i/);
    expect(error('s: "abc').message).toMatch(/unterminated string/);
    expect(error('}').message).toMatch(/expected a field name/);
    expect(error('[t.ext]: 1').message).toMatch(/extensions/);
    expect(error('cs: [RED,]').message).toMatch(/is not one of/);
  });

  it("knows Triton's ModelConfig field names and enums", () => {
    const T = modelConfigType();
    const config = T.toObject(
      parseTextFormat('name: "m" max_batch_size: 4 input [{ name: "x" data_type: TYPE_FP32 dims: [-1, 3] }]', T),
      { longs: Number, enums: String },
    );
    expect(config).toEqual({
      name: 'm',
      max_batch_size: 4,
      input: [{ name: 'x', data_type: 'TYPE_FP32', dims: [-1, 3] }],
    });
    expect(() => parseTextFormat('maxBatchSize: 4', T)).toThrow(/ModelConfig has no field "maxBatchSize"/);
    expect(() => parseTextFormat('input [{ data_type: FP32 }]', T)).toThrow(/not one of TYPE_INVALID/);
    expect(() => parseTextFormat('instance_group [{ kind: GPU }]', T)).toThrow(/not one of KIND_AUTO/);
  });
});

import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { PnetError } from '../../src/core/errors.ts';
import { memoryFileTree } from '../../src/data/memory-file-tree.ts';
import { nodeFileTree } from '../../src/data/node-file-tree.ts';

const bytes = (s: string) => new TextEncoder().encode(s);

function thrown(f: () => unknown): PnetError {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(PnetError);
    return e as PnetError;
  }
  throw new Error('expected a PnetError');
}

describe('memoryFileTree', () => {
  const tree = memoryFileTree(
    new Map([
      ['data/b.pts', bytes('1 2 3\n')],
      ['./data/a/x.seg', bytes('0\n')],
      ['data/empty/', new Uint8Array()],
      ['top.txt', bytes('top')],
    ]),
  );

  it('implies folders from paths, lists names in order, and reads text', () => {
    expect(tree.list('.')).toEqual(['data', 'top.txt']);
    expect(tree.list('data')).toEqual(['a', 'b.pts', 'empty']);
    expect(tree.list('data/empty/')).toEqual([]);
    expect([tree.exists('data/a'), tree.isDirectory('data/a'), tree.isDirectory('data/b.pts')]).toEqual([
      true,
      true,
      false,
    ]);
    expect([tree.exists('data/nothing'), tree.exists('./data/a/x.seg')]).toEqual([false, true]);
    expect(tree.readText('data/b.pts')).toBe('1 2 3\n');
  });

  it('says what is wrong with a read or a listing, naming the path', () => {
    expect(thrown(() => tree.readText('data/a')).describe()).toBe('data/a: cannot read: it is a folder, not a file');
    expect(thrown(() => tree.readText('nope.pts')).code).toBe('BAD_INPUT');
    expect(thrown(() => tree.list('top.txt')).describe()).toBe(
      'top.txt: cannot list the folder: it is a file, not a folder',
    );
  });

  it('refuses paths outside the dataset, the same file twice, and a path that is a file and a folder', () => {
    expect(thrown(() => memoryFileTree(new Map([['../x.pts', bytes('')]]))).message).toMatch(/not inside/);
    expect(thrown(() => memoryFileTree(new Map([['/etc/x.pts', bytes('')]]))).message).toMatch(/not inside/);
    const twice = new Map([
      ['a/x.pts', bytes('')],
      ['a//x.pts', bytes('')],
    ]);
    expect(thrown(() => memoryFileTree(twice)).message).toMatch(/given twice/);
    const both = new Map([
      ['a', bytes('')],
      ['a/x.pts', bytes('')],
    ]);
    expect(thrown(() => memoryFileTree(both)).message).toMatch(/both a file and a folder/);
  });

  it('decodes text as the file system reader does (a byte-order mark and bad bytes kept alike)', () => {
    const raw = new Uint8Array([0xef, 0xbb, 0xbf, 0x31, 0x20, 0xff, 0x0a]);
    const file = join(mkdtempSync(join(tmpdir(), 'pnet-tree-')), 'bom.pts');
    writeFileSync(file, raw);
    expect(memoryFileTree(new Map([['bom.pts', raw]])).readText('bom.pts')).toBe(nodeFileTree.readText(file));
  });
});

/**
 * Finds cloud files under a folder, following symbolic links (to files and to folders) but reading each real
 * folder once: a link back to a folder already on the walk (a loop) is skipped, so `self -> .` cannot repeat
 * the same clouds or spin forever.
 */
import { readdir, realpath, stat } from 'node:fs/promises';
import { join } from 'node:path';

export async function walkCloudFiles(root: string, isCloudFile: (path: string) => boolean): Promise<string[]> {
  const seen = new Set<string>();
  const found: string[] = [];
  const visit = async (dir: string): Promise<void> => {
    const real = await realpath(dir).catch(() => undefined);
    if (real === undefined || seen.has(real)) return;
    seen.add(real);
    const entries = await readdir(dir, { withFileTypes: true }).catch(() => []);
    for (const entry of entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))) {
      const path = join(dir, entry.name);
      let kind: 'file' | 'dir' | 'other' = entry.isFile() ? 'file' : entry.isDirectory() ? 'dir' : 'other';
      if (entry.isSymbolicLink()) {
        const target = await stat(path).catch(() => undefined);
        // A dangling link with a cloud's name is kept, so reading it reports the broken link by name.
        kind = target === undefined ? 'file' : target.isFile() ? 'file' : target.isDirectory() ? 'dir' : 'other';
      }
      if (kind === 'dir') await visit(path);
      else if (kind === 'file' && isCloudFile(path)) found.push(path);
    }
  };
  await visit(root);
  return found;
}

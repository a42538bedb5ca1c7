/**
 * Finds cloud files under a folder, following symbolic links (to files and to folders) but reading each real
 * folder once: a link back to a folder already on the walk (a loop) is skipped, so `self -> .` cannot repeat
 * the same clouds or spin forever. Linked folders are entered after every folder reachable without links, so a
 * cloud is found under its own path rather than under a link that also leads to it.
 */
import { readdir, realpath, stat } from 'node:fs/promises';
import { join } from 'node:path';

export async function walkCloudFiles(root: string, isCloudFile: (path: string) => boolean): Promise<string[]> {
  const seen = new Set<string>();
  const found: string[] = [];
  const linkedFolders: string[] = [];
  const visit = async (dir: string): Promise<void> => {
    const real = await realpath(dir).catch(() => undefined);
    if (real === undefined || seen.has(real)) return;
    seen.add(real);
    const entries = await readdir(dir, { withFileTypes: true }).catch(() => []);
    for (const entry of entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) await visit(path);
      else if (entry.isFile()) {
        if (isCloudFile(path)) found.push(path);
      } else if (entry.isSymbolicLink()) {
        const target = await stat(path).catch(() => undefined);
        if (target?.isDirectory()) linkedFolders.push(path);
        // A dangling link with a cloud's name is kept, so reading it reports the broken link by name.
        else if ((target === undefined || target.isFile()) && isCloudFile(path)) found.push(path);
      }
    }
  };
  await visit(root);
  for (let i = 0; i < linkedFolders.length; i++) await visit(linkedFolders[i]!);
  return found;
}

/** Runs one function per cloud after one warm-up call, and reports the mean time of the measured calls. */
export async function timePerCloud<T, R>(
  items: T[],
  run: (item: T) => Promise<R>,
): Promise<{ outputs: R[]; msPerCloud: number; msEach: number[] }> {
  if (items.length > 0) await run(items[0]!);
  const outputs: R[] = [];
  const msEach: number[] = [];
  for (const item of items) {
    const start = performance.now();
    outputs.push(await run(item));
    msEach.push(performance.now() - start);
  }
  const total = msEach.reduce((a, b) => a + b, 0);
  return { outputs, msPerCloud: items.length === 0 ? 0 : total / items.length, msEach };
}

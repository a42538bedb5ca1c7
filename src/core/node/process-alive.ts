/** Whether a process of this host still runs: the test behind every "is its owner gone?" of a lock or temp folder. */
export function isProcessAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    // EPERM: the process exists, it is only someone else's.
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

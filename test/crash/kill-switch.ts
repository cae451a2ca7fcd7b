/** The crash children's hook: SIGKILL this process the Nth time `crashAt` is reached (a real crash, no cleanup). */
export function killSwitch(cfg: { readonly crashAt: string | null; readonly crashNth: number }): (point: string) => void {
  let seen = 0;
  return (point: string): void => {
    if (cfg.crashAt !== point) return;
    seen += 1;
    if (seen === cfg.crashNth) process.kill(process.pid, 'SIGKILL');
  };
}

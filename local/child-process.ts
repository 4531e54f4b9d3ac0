import type { ChildProcess } from 'node:child_process';

export interface WatchedChild {
  /** Everything the process printed on piped stdout/stderr, plus a spawn error if there was one. */
  output(): string;
  exited(): boolean;
  /** The error spawn reported (ENOENT: the program is not on PATH), if any. */
  spawnError(): NodeJS.ErrnoException | undefined;
  /** SIGTERM, then SIGKILL after 5 s; resolves once the process is gone. */
  stop(): Promise<void>;
}

/** Watches a local server process (DynamoDB Local, moto_server) that a launcher spawned. */
export function watchChild(child: ChildProcess): WatchedChild {
  let output = '';
  let exited = false;
  let spawnError: NodeJS.ErrnoException | undefined;
  child.stdout?.on('data', (d) => (output += d));
  child.stderr?.on('data', (d) => (output += d));
  child.on('exit', () => (exited = true));
  child.on('error', (e) => {
    exited = true;
    spawnError = e;
    output += String(e);
  });
  return {
    output: () => output,
    exited: () => exited,
    spawnError: () => spawnError,
    stop: () =>
      new Promise<void>((resolve) => {
        if (exited) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
        setTimeout(() => child.kill('SIGKILL'), 5000).unref();
      }),
  };
}

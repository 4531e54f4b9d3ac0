/**
 * What `arc-dynamodb local up` started, so that `local down` (a later process) can stop it.
 * Kept in `.arc-dynamodb/local.json` under the directory the command runs in.
 */
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';

export const STATE_DIR = '.arc-dynamodb';
const STATE_FILE = 'local.json';
const LOCK_FILE = 'local.lock';

export interface LocalState {
  /** The JVM's process id (and process group: it was started detached). */
  pid: number;
  port: number;
  endpoint: string;
  /** Absolute folder of the database, or undefined for `-inMemory`. */
  dbPath?: string;
  logFile: string;
  startedAt: string;
}

export const stateDir = (cwd: string) => join(cwd, STATE_DIR);
export const statePath = (cwd: string) => join(stateDir(cwd), STATE_FILE);
export const lockPath = (cwd: string) => join(stateDir(cwd), LOCK_FILE);

export function readState(cwd: string): LocalState | undefined {
  const file = statePath(cwd);
  if (!existsSync(file)) return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(file, 'utf8'));
  } catch {
    throw new Error(`${file} is not valid JSON; delete it (and stop any DynamoDB Local yourself)`);
  }
  const s = parsed as Partial<LocalState>;
  if (typeof s.pid !== 'number' || typeof s.port !== 'number' || typeof s.endpoint !== 'string' || typeof s.logFile !== 'string') {
    throw new Error(`${file} does not describe a DynamoDB Local process (pid, port, endpoint); delete it`);
  }
  return s as LocalState;
}

export function writeState(cwd: string, state: LocalState): void {
  mkdirSync(stateDir(cwd), { recursive: true });
  writeFileSync(statePath(cwd), `${JSON.stringify(state, null, 2)}\n`);
}

export function clearState(cwd: string): void {
  rmSync(statePath(cwd), { force: true });
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export interface LockOptions {
  /** Called once when another process holds the lock and this one waits for it. */
  onWait?: (holderPid: number) => void;
  timeoutMs?: number;
}

/**
 * Runs `fn` holding `.arc-dynamodb/local.lock`, so that two `local up` (or `down`) in one folder
 * never both start a DynamoDB Local, nor write the state file at once: the second waits for the
 * first. The lock file holds its owner's pid; one whose process is gone (a kill, a reboot) is
 * taken over.
 */
export async function withStateLock<T>(cwd: string, fn: () => Promise<T>, options: LockOptions = {}): Promise<T> {
  mkdirSync(stateDir(cwd), { recursive: true });
  const file = lockPath(cwd);
  const deadline = Date.now() + (options.timeoutMs ?? 180000);
  let waited = false;
  for (;;) {
    try {
      const fd = openSync(file, 'wx');
      writeSync(fd, `${process.pid}\n`);
      closeSync(fd);
      break;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    }
    let text = '';
    try {
      text = readFileSync(file, 'utf8');
    } catch {
      continue; // released between our open and our read
    }
    const holder = Number.parseInt(text, 10);
    if (!Number.isInteger(holder) || !alive(holder)) {
      // A stale lock (its process is gone, or it was cut short while being written): take it
      // over, unless someone else just did.
      try {
        if (readFileSync(file, 'utf8') === text) rmSync(file, { force: true });
      } catch {
        /* gone already */
      }
      continue;
    }
    if (!waited) options.onWait?.(holder);
    waited = true;
    if (Date.now() > deadline)
      throw new Error(`another arc-dynamodb local command (pid ${holder}) still holds ${file}; wait for it, or delete the file if that process is gone`);
    await new Promise((r) => setTimeout(r, 100));
  }
  try {
    return await fn();
  } finally {
    try {
      if (readFileSync(file, 'utf8') === `${process.pid}\n`) rmSync(file, { force: true });
    } catch {
      /* already removed */
    }
  }
}

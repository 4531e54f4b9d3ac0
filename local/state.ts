/**
 * What `arc-dynamodb local up` started, so that `local down` (a later process) can stop it.
 * Kept in `.arc-dynamodb/local.json` under the directory the command runs in.
 */
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export const STATE_DIR = '.arc-dynamodb';
const STATE_FILE = 'local.json';

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

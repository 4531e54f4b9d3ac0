/**
 * The DynamoDB Local that `local up` starts and `local down` stops. It runs detached (its own
 * process group) so that it outlives the command, and with `-sharedDb` so that every client sees
 * the same tables whatever its access key and region (DynamoDB Local otherwise keeps one database
 * per key and region: docs/local-stand-ins.md, from DynamoDB Local's usage notes).
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { startDynamoDbLocal } from './dynamodb-local';
import { portIsFree } from './ports';
import { clearState, readState, stateDir, writeState, type LocalState } from './state';

export interface EnsureResult {
  endpoint: string;
  /** 'started' now, or 'reused' when an earlier `up` from this folder still runs. */
  how: 'started' | 'reused';
  state: LocalState;
}

/** The command line of a live process, or undefined when there is none. */
function commandLine(pid: number): string | undefined {
  try {
    return execFileSync('ps', ['-p', String(pid), '-o', 'command='], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim() || undefined;
  } catch {
    return undefined;
  }
}

/** True when `pid` is still the DynamoDB Local we started on `port` (pids are reused by the OS). */
export function isOurServer(state: LocalState): boolean {
  const cmd = commandLine(state.pid);
  return cmd !== undefined && cmd.includes('DynamoDBLocal.jar') && cmd.includes(`-port ${state.port}`);
}

async function answers(endpoint: string): Promise<boolean> {
  try {
    const res = await fetch(endpoint, { method: 'GET', signal: AbortSignal.timeout(2000) });
    return res.status > 0;
  } catch {
    return false;
  }
}

/** Call holding the state lock (withStateLock in local/state.ts). */
export async function ensureServer(cwd: string, options: { dbPath?: string; port?: number }): Promise<EnsureResult> {
  const previous = readState(cwd);
  const dbPath = options.dbPath === undefined ? undefined : resolve(cwd, options.dbPath);
  if (previous) {
    if (isOurServer(previous) && (await answers(previous.endpoint))) {
      const data = previous.dbPath ? `--db-path ${previous.dbPath}` : 'in memory';
      const running = `DynamoDB Local already runs from this folder (pid ${previous.pid}, port ${previous.port}, ${data})`;
      if (previous.dbPath !== dbPath) throw new Error(`${running}; run 'npx arc-dynamodb local down' first to change --db-path`);
      if (options.port !== undefined && options.port !== previous.port) throw new Error(`${running}; run 'npx arc-dynamodb local down' first to change --port`);
      return { endpoint: previous.endpoint, how: 'reused', state: previous };
    }
    clearState(cwd); // the process is gone: a stale file from a reboot or a kill
  }
  if (options.port !== undefined && !(await portIsFree(options.port)))
    throw new Error(`--port ${options.port}: another process listens on 127.0.0.1:${options.port}; stop it, or pick another port`);
  if (dbPath !== undefined) mkdirSync(dbPath, { recursive: true });
  mkdirSync(stateDir(cwd), { recursive: true });
  const logFile = join(stateDir(cwd), 'dynamodb-local.log');
  const server = await startDynamoDbLocal({ dbPath, port: options.port, sharedDb: true, detached: { logFile } });
  if (server.pid === undefined) throw new Error('DynamoDB Local started without a process id');
  const state: LocalState = { pid: server.pid, port: server.port, endpoint: server.endpoint, dbPath, logFile, startedAt: new Date().toISOString() };
  writeState(cwd, state);
  return { endpoint: server.endpoint, how: 'started', state };
}

export type StopResult = { how: 'stopped'; state: LocalState } | { how: 'not-running'; stale?: LocalState };

/** Stops the server recorded in the state file, if it is still ours; always clears the file. */
export async function stopServer(cwd: string, timeoutMs = 10000): Promise<StopResult> {
  const state = readState(cwd);
  if (!state) return { how: 'not-running' };
  if (!isOurServer(state)) {
    clearState(cwd);
    return { how: 'not-running', stale: state };
  }
  const signal = (sig: NodeJS.Signals) => {
    try {
      process.kill(-state.pid, sig); // its process group: the JVM and anything it forked
    } catch {
      try {
        process.kill(state.pid, sig);
      } catch {
        /* already gone */
      }
    }
  };
  signal('SIGTERM');
  // A JVM on a busy machine may take a while to exit: SIGKILL after timeoutMs, and return only once
  // it is really gone (or after a last bounded wait), so `local down` means down.
  const deadline = Date.now() + timeoutMs;
  let killed = false;
  while (isOurServer(state)) {
    if (!killed && Date.now() > deadline) {
      signal('SIGKILL');
      killed = true;
    }
    if (Date.now() > deadline + 10_000) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  clearState(cwd);
  return { how: 'stopped', state };
}

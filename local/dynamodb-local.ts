import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, existsSync, openSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { watchChild } from './child-process';
import { freePort } from './ports';

/**
 * Starts Amazon's DynamoDB Local (the jar shipped in the npm package amplify-dynamodb-simulator)
 * on a free loopback port. Used by the tests and by `arc-dynamodb local up`.
 */
export interface DynamoDbLocalOptions {
  port?: number;
  /** Keep data in memory (the default) or in this folder. */
  dbPath?: string;
  /** Makes GSI creation and deletion take ~15–30 s, for waiter tests. */
  delayTransientStatuses?: boolean;
  /** One database for every region and key (DynamoDB Local's `-sharedDb`). */
  sharedDb?: boolean;
  heapMb?: number;
  startTimeoutMs?: number;
  /**
   * Outlive the calling process (`arc-dynamodb local up`): the JVM runs in its own process group,
   * writes its output to this file, and is no longer waited for once it answers.
   */
  detached?: { logFile: string };
}

export interface DynamoDbLocal {
  endpoint: string;
  port: number;
  pid: number | undefined;
  stop(): Promise<void>;
}

export const JAVA_MISSING =
  'java was not found on PATH: DynamoDB Local needs Java 17 or later. Install it (for example `sudo apt-get install ' +
  'openjdk-17-jre-headless`, or a JDK from https://adoptium.net), or pass --endpoint URL to use a DynamoDB Local you run yourself.';

export function findDynamoDbLocalJar(): string {
  let pkg: string;
  try {
    pkg = dirname(require.resolve('amplify-dynamodb-simulator/package.json'));
  } catch {
    throw new Error(
      'DynamoDB Local is not installed: run `npm install --save-dev amplify-dynamodb-simulator` (it ships DynamoDBLocal.jar), or pass --endpoint to ' +
        'use a running DynamoDB.',
    );
  }
  const jar = join(pkg, 'emulator', 'DynamoDBLocal.jar');
  if (!existsSync(jar)) throw new Error(`DynamoDB Local jar not found at ${jar}`);
  return jar;
}

async function answers(endpoint: string): Promise<boolean> {
  try {
    const res = await fetch(endpoint, {
      method: 'POST',
      headers: {
        'x-amz-target': 'DynamoDB_20120810.ListTables',
        'content-type': 'application/x-amz-json-1.0',
        authorization: 'AWS4-HMAC-SHA256 Credential=local/20260101/us-east-1/dynamodb/aws4_request, SignedHeaders=host, Signature=x',
      },
      body: '{}',
    });
    return res.status > 0;
  } catch {
    return false;
  }
}

export async function startDynamoDbLocal(options: DynamoDbLocalOptions = {}): Promise<DynamoDbLocal> {
  const jar = findDynamoDbLocalJar();
  const port = options.port ?? (await freePort());
  const args = [
    `-Xmx${options.heapMb ?? 512}m`,
    `-Djava.library.path=${join(dirname(jar), 'DynamoDBLocal_lib')}`,
    '-jar',
    jar,
    '-port',
    String(port),
    '-disableTelemetry',
  ];
  if (options.dbPath) args.push('-dbPath', options.dbPath);
  else args.push('-inMemory');
  if (options.delayTransientStatuses) args.push('-delayTransientStatuses');
  if (options.sharedDb) args.push('-sharedDb');

  // The log holds this start only: an error then shows what this JVM said, not earlier runs.
  const logFd = options.detached ? openSync(options.detached.logFile, 'w') : undefined;
  const child: ChildProcess =
    logFd === undefined
      ? spawn('java', args, { cwd: dirname(jar), stdio: ['ignore', 'pipe', 'pipe'] })
      : spawn('java', args, { cwd: dirname(jar), stdio: ['ignore', logFd, logFd], detached: true });
  if (logFd !== undefined) closeSync(logFd);
  const watched = watchChild(child);

  const endpoint = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + (options.startTimeoutMs ?? 60000);
  const recentOutput = () => `${watched.output()}${options.detached ? readFileSync(options.detached.logFile, 'utf8') : ''}`.trim().slice(-2000);
  while (!(await answers(endpoint))) {
    if (watched.spawnError()?.code === 'ENOENT') throw new Error(JAVA_MISSING);
    if (watched.exited()) throw new Error(`DynamoDB Local exited during start-up (it needs Java 17 or later on PATH):\n${recentOutput()}`);
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`DynamoDB Local did not answer on ${endpoint}:\n${recentOutput()}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  if (options.detached) child.unref();

  return {
    endpoint,
    port,
    pid: child.pid,
    stop: watched.stop,
  };
}

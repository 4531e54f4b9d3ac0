import { spawn } from 'node:child_process';
import { watchChild } from '../../local/child-process';
import { freePort, waitFor } from './ports';

/**
 * moto_server (moto 5.2.1, preinstalled with the machine's Python): DynamoDB with tags and PITR,
 * ImportTable from its own S3, Application Auto Scaling, CloudWatch and S3, split per region.
 * Any credentials work; the account is 123456789012.
 */
export interface Moto {
  endpoint: string;
  port: number;
  /** Wipes every backend (POST /moto-api/reset), for isolation between tests. */
  reset(): Promise<void>;
  stop(): Promise<void>;
}

export const MOTO_ACCOUNT = '123456789012';
export const LOCAL_CREDENTIALS = { accessKeyId: 'testing', secretAccessKey: 'testing' };

/** `env`: extra environment for moto_server (e.g. MOTO_PORT, where its Step Functions executor calls back: sfn-router.ts). */
export async function startMoto(opts: { env?: Record<string, string> } = {}): Promise<Moto> {
  const port = await freePort();
  const child = spawn('moto_server', ['-H', '127.0.0.1', '-p', String(port)], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, AWS_ACCESS_KEY_ID: 'testing', AWS_SECRET_ACCESS_KEY: 'testing', ...opts.env },
  });
  const watched = watchChild(child);
  const endpoint = `http://127.0.0.1:${port}`;
  try {
    await waitFor(
      async () => {
        if (watched.exited()) throw new Error(`moto_server exited: ${watched.output().slice(-2000)}`);
        const r = await fetch(`${endpoint}/moto-api/`);
        return r.status < 500;
      },
      30000,
      `moto_server on ${endpoint}`,
    );
  } catch (e) {
    child.kill('SIGKILL');
    throw new Error(`moto_server did not start (is it on PATH?): ${(e as Error).message}\n${watched.output().slice(-2000)}`);
  }
  return {
    endpoint,
    port,
    reset: async () => {
      await fetch(`${endpoint}/moto-api/reset`, { method: 'POST' });
    },
    stop: watched.stop,
  };
}

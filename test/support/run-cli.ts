/** Runs the CLI in-process, as `npx arc-dynamodb ...` would, with placeholder credentials for local endpoints. */
import { PassThrough } from 'node:stream';
import { main, type CliIO } from '../../cli/main';

export async function runCli(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const stream = (sink: string[]) => {
    const s = new PassThrough();
    s.on('data', (d) => sink.push(String(d)));
    return s;
  };
  const io: CliIO = { stdout: stream(out), stderr: stream(err), cwd: process.cwd(), env: { AWS_ACCESS_KEY_ID: 'testing', AWS_SECRET_ACCESS_KEY: 'testing' } };
  const code = await main(args, io);
  return { code, stdout: out.join(''), stderr: err.join('') };
}

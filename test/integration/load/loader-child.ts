/**
 * Runs the loader in its own process, for the tests that must kill it or measure its memory.
 * Input: one JSON argument { s3Endpoint, ddbEndpoint, bucket, prefix, options, checkpointFile?, sliceMs? }.
 * With a checkpoint file it loads in slices of `sliceMs`, writing each checkpoint there
 * (write-then-rename, so a kill never leaves half a file), like the provider's continuations.
 * Prints one JSON line: the outcome plus the process's peak RSS (VmHWM) in bytes.
 */
import { readFileSync, renameSync, writeFileSync, existsSync } from 'node:fs';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { S3Client } from '@aws-sdk/client-s3';
import { runLoad, type LoadOutcome } from '../../../load/loader';
import { S3Source } from '../../../load/source';
import type { LoadCheckpoint, LoadOptions } from '../../../load/types';
import { peakRss } from '../../support/peak-rss';

interface Args {
  s3Endpoint: string;
  ddbEndpoint: string;
  bucket: string;
  prefix: string;
  options: LoadOptions;
  checkpointFile?: string;
  sliceMs?: number;
}

async function main(): Promise<void> {
  const args = JSON.parse(process.argv[2]) as Args;
  const credentials = { accessKeyId: 'testing', secretAccessKey: 'testing' };
  const dynamodb = new DynamoDBClient({ endpoint: args.ddbEndpoint, region: 'us-east-1', credentials });
  const s3 = new S3Client({ endpoint: args.s3Endpoint, region: 'us-east-1', credentials, forcePathStyle: true });
  const log = { info: () => undefined, warn: () => undefined, error: () => undefined };
  const source = new S3Source(s3, args.bucket, args.prefix);
  let checkpoint: LoadCheckpoint | undefined =
    args.checkpointFile && existsSync(args.checkpointFile) ? (JSON.parse(readFileSync(args.checkpointFile, 'utf8')) as LoadCheckpoint) : undefined;
  let out: LoadOutcome;
  for (;;) {
    out = await runLoad(args.options, { dynamodb, source, log }, checkpoint, args.sliceMs ? Date.now() + args.sliceMs : Infinity);
    if (out.status !== 'continue') break;
    checkpoint = out.checkpoint;
    if (args.checkpointFile) {
      writeFileSync(`${args.checkpointFile}.tmp`, JSON.stringify(checkpoint));
      renameSync(`${args.checkpointFile}.tmp`, args.checkpointFile);
    }
  }
  process.stdout.write(`${JSON.stringify({ ...out, peakRss: peakRss() })}\n`);
  dynamodb.destroy();
  s3.destroy();
}

main().catch((e) => {
  process.stderr.write(`${(e as Error).stack}\n`);
  process.exit(1);
});

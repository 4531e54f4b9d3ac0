/**
 * Runs one distributed-load worker (provider/load/distributed/worker.ts runWorker) in its own
 * process, so that memory.test.ts can measure the peak RSS of a worker on its own, as a Lambda
 * invocation of the provider function running one batch would have it: real SDK clients, S3 on
 * moto, the data table and the provider's state table on DynamoDB Local, the signing key and the
 * operation lease read from that state table as the provider reads them.
 * Input: one JSON argument { s3Endpoint, ddbEndpoint, stateTable, event, deadline }, where event is
 * the child execution's input ({ ArcDynamoDbWorker: sealed run, Batch: sealed batch }) and
 * deadline the epoch ms by which the worker must return.
 * Prints one JSON line: the BatchResult plus the process's peak RSS (VmHWM) in bytes.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { S3Client } from '@aws-sdk/client-s3';
import { dynamoStateStore } from '../../../provider/guard/state-store';
import { runWorker } from '../../../provider/load/distributed/worker';
import { peakRss } from '../../support/peak-rss';

interface Args {
  s3Endpoint: string;
  ddbEndpoint: string;
  stateTable: string;
  event: Record<string, unknown>;
  deadline: number;
}

async function main(): Promise<void> {
  const args = JSON.parse(process.argv[2]) as Args;
  const credentials = { accessKeyId: 'testing', secretAccessKey: 'testing' };
  const dynamodb = new DynamoDBClient({ endpoint: args.ddbEndpoint, region: 'us-east-1', credentials });
  const s3 = new S3Client({ endpoint: args.s3Endpoint, region: 'us-east-1', credentials, forcePathStyle: true });
  const log = { info: () => undefined, warn: () => undefined, error: () => undefined };
  const store = dynamoStateStore(dynamodb, args.stateTable);
  const result = await runWorker(args.event, {
    signingKey: () => store.signingKey(),
    dynamodb,
    s3,
    stateTable: args.stateTable,
    readLease: (stackId, logicalId) => store.readLease(stackId, logicalId),
    log,
    deadline: args.deadline,
  });
  process.stdout.write(`${JSON.stringify({ ...result, peakRss: peakRss() })}\n`);
  dynamodb.destroy();
  s3.destroy();
}

main().catch((e) => {
  process.stderr.write(`${(e as Error).name}: ${(e as Error).stack}\n`);
  process.exit(1);
});

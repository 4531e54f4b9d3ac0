/**
 * "Multiplicative backoff on throttling" with the client as the provider deploys it: its DynamoDB
 * client retries throttling errors inside one `send` (maxAttempts 6, standard mode: AWS SDKs and
 * Tools reference guide, "Retry behavior"), so a BatchWriteItem that DynamoDB refused whole ("If
 * none of the items can be processed due to insufficient provisioned throughput ... BatchWriteItem
 * returns a ProvisionedThroughputExceededException", API_BatchWriteItem) and then wrote still tells
 * the pacer of the throttle: the writer reads the SDK's `$metadata.attempts` (load/writer.ts).
 * (Found by a review: the write-budget integration tests build their client with maxAttempts 1.)
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { makeAwsClients } from '../../../provider/aws';
import { Pacer } from '../../../load/budget';
import { ItemWriter } from '../../../load/writer';
import type { TableSchema } from '../../../load/schema';

test('a BatchWriteItem throttled whole twice, then written, lowers the pacer rate (the provider client as deployed)', async () => {
  let calls = 0;
  const server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      calls++;
      res.setHeader('content-type', 'application/x-amz-json-1.0');
      if (calls <= 2) {
        res.statusCode = 400;
        res.end(JSON.stringify({ __type: 'com.amazonaws.dynamodb.v20120810#ProvisionedThroughputExceededException', message: 'throttled' }));
      } else res.end(JSON.stringify({ UnprocessedItems: {} }));
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  try {
    const clients = makeAwsClients({ homeRegion: 'us-east-1', endpoints: { '*': endpoint }, credentials: { accessKeyId: 'a', secretAccessKey: 'b' } });
    const capacity = { writeUnitsPerSecond: 1000, source: 'provisioned' as const };
    const pacer = new Pacer({
      budget: { capacityPercent: 50 },
      capacity,
      readCapacity: async () => capacity,
      now: () => performance.now(),
      sleep: (ms) => new Promise((r) => setTimeout(r, ms)),
    });
    const schema: TableSchema = { tableName: 't', hashKey: 'pk', attributeTypes: new Map([['pk', 'S']]), capacity };
    const writer = new ItemWriter(clients.dynamodb(), schema, {
      writeMode: 'Overwrite',
      concurrency: 1,
      retry: { baseMs: 1, capMs: 5, maxAttempts: 5, sleep: async () => {}, random: Math.random },
      onReject: () => {},
      pacer,
    });
    for (let i = 0; i < 25; i++) await writer.add({ pk: { S: `k${i}` } }, { object: 'o', line: i + 1 });
    await writer.flush();
    expect(calls).toBe(3);
    expect(writer.written).toBe(25);
    // DynamoDB throttled the load twice: the pacer must have been told.
    expect(pacer.throttles).toBeGreaterThan(0);
    expect(pacer.factor).toBeLessThan(1);
  } finally {
    server.close();
  }
});

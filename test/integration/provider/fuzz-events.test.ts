/**
 * Issue 7: thousands of hostile and malformed custom-resource events. Whatever arrives, the
 * provider never throws, never sends a response anywhere but a valid ResponseURL, and never
 * makes a mutating AWS call (counted at the simulator, which sees every call).
 */
import * as http from 'node:http';
import fc from 'fast-check';
import { PutItemCommand } from '@aws-sdk/client-dynamodb';
import { makeAwsClients } from '../../../provider/aws';
import { checkResponseUrl } from '../../../provider/protocol/event';
import { jsonLogger } from '../../../provider/protocol/log';
import { nodeTransport } from '../../../provider/protocol/response';
import { createProvider, DEFAULT_CONFIG } from '../../../provider/protocol/run';
import { makeReplicasHandler } from '../../../provider/replicas/handler';
import type { ResourceHandler } from '../../../provider/types';
import { freePort } from '../../support/ports';
import { TEST_CREDENTIALS, leakedSecrets } from '../../support/cfn-harness';
import { HOME, createHomeTable, regionView, replicasProps, startWorld, uniqueName, type World } from './world';

const EVENTS = 2500;
const WELL_FORMED = 1000;
const ITEM_CANARY = 'fuzz-item-canary-51d0e';

let w: World;
let trap: http.Server;
let trapHits = 0;
let trapPort: number;
let okServer: http.Server;
let okPort: number;
const okResponses: { url: string; body: string }[] = [];

beforeAll(async () => {
  w = await startWorld();
  trapPort = await freePort();
  trap = http.createServer((req, res) => {
    trapHits++;
    res.end();
  });
  await new Promise<void>((r) => trap.listen(trapPort, '127.0.0.1', () => r()));
  okPort = await freePort();
  okServer = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      okResponses.push({ url: String(req.url), body: Buffer.concat(chunks).toString('utf8') });
      res.end();
    });
  });
  await new Promise<void>((r) => okServer.listen(okPort, '127.0.0.1', () => r()));
});
afterAll(async () => {
  await new Promise((r) => trap.close(r));
  await new Promise((r) => okServer.close(r));
  await w?.stop();
});

it(`survives ${EVENTS + WELL_FORMED} hostile and malformed events: no throw, no stray response, zero mutating AWS calls`, async () => {
  // Stack A's table, with replicas: the target the hostile events name.
  const stackA = w.cfn.stackId('victim');
  const victim = uniqueName('victim');
  await createHomeTable(w.sim, victim, { ownerStackId: stackA });
  await w.sim.direct(HOME).send(new PutItemCommand({ TableName: victim, Item: { pk: { S: 'p' }, sk: { N: '1' }, v: { S: ITEM_CANARY } } }));
  const created = await w.cfn.request({
    RequestType: 'Create',
    StackId: stackA,
    LogicalResourceId: 'VictimReplicas',
    ResourceProperties: replicasProps(victim, [{ RegionName: 'eu-west-1' }]),
  });
  expect(created.body.Status).toBe('SUCCESS');
  await w.cfn.idle();
  const victimBefore = [await regionView(w.sim, HOME, victim), await regionView(w.sim, 'eu-west-1', victim)];

  const validPrefix = `http://127.0.0.1:${okPort}/`;
  const policy = { allowPrefix: validPrefix };
  const attempted: string[] = [];
  const logs: string[] = [];
  const clients = makeAwsClients({
    homeRegion: HOME,
    endpoints: { '*': w.sim.endpoint, cloudformation: w.cfn.cloudformation.endpoint },
    credentials: TEST_CREDENTIALS,
  });
  const provider = createProvider({
    clients,
    handlers: [makeReplicasHandler({ initialMs: 20, maxMs: 100 }) as ResourceHandler<unknown>],
    // CloudFormation's record is read once: a hostile event gets no re-reads.
    guard: w.cfn.guardWith({ cloudformation: clients.cloudformation(), dynamodb: clients.dynamodb(), authRetriesMs: [], ownershipRetriesMs: [] }),
    continuation: { continue: async () => void attempted.push('continuation') },
    transport: async (url, body, headers) => {
      attempted.push(url);
      // Anything but the valid local URL is a violation; it is recorded, never sent.
      if (!url.startsWith(validPrefix)) return 200;
      return nodeTransport(url, body, headers);
    },
    log: jsonLogger((l) => logs.push(l)),
    config: { ...DEFAULT_CONFIG, responseUrl: policy, safetyMarginMs: 500, serviceTimeoutMarginMs: 100, responseAttempts: 2, responseBaseDelayMs: 1 },
  });

  let sig = 0;
  const secret = () => `FUZZSIG${++sig}x${Math.random().toString(36).slice(2)}`;
  const hostileUrls = fc.constantFrom(
    () => `http://bucket.s3.amazonaws.com/x?X-Amz-Signature=${secret()}`,
    () => `https://user:pass@bucket.s3.amazonaws.com/x?X-Amz-Signature=${secret()}`,
    () => `https://bucket.s3.amazonaws.com:8443/x?X-Amz-Signature=${secret()}`,
    () => `https://s3.amazonaws.com.evil.example/x?X-Amz-Signature=${secret()}`,
    () => `https://cloudformation-custom-resource-response-useast1.s3.amazonaws.co/x?sig=${secret()}`,
    () => `https://evil.example.com/s3.amazonaws.com?X-Amz-Signature=${secret()}`,
    () => `http://169.254.169.254/latest/meta-data/?x=${secret()}`,
    () => `http://127.0.0.1:${trapPort}/trap?X-Amz-Signature=${secret()}`,
    () => `file:///etc/passwd?${secret()}`,
    () => `javascript:alert(1)//${secret()}`,
    () => `ftp://bucket.s3.amazonaws.com/x?${secret()}`,
    () => `${validPrefix.replace('http', 'https')}x?X-Amz-Signature=${secret()}`,
    () => 'x'.repeat(20000),
  );
  const validUrl = fc.constant(() => `${validPrefix}${encodeURIComponent(stackA)}/r?X-Amz-Signature=${secret()}`);
  const anything = fc.oneof(
    fc.string(),
    fc.integer(),
    fc.boolean(),
    fc.constant(null),
    fc.array(fc.string(), { maxLength: 3 }),
    fc.object({ maxDepth: 2 }),
    fc.constant('x'.repeat(100_000)),
  );
  const maybe = <T>(arb: fc.Arbitrary<T>) =>
    fc.oneof({ weight: 12, arbitrary: arb }, { weight: 1, arbitrary: fc.constant(undefined) }, { weight: 1, arbitrary: anything });
  /** Mostly well-formed, sometimes anything: enough events reach the ownership check. */
  const usually = <T>(arb: fc.Arbitrary<T>) => fc.oneof({ weight: 10, arbitrary: arb }, { weight: 1, arbitrary: anything });
  const otherStack = fc.uuid().map((u) => `arn:aws:cloudformation:us-east-1:123456789012:stack/other-${u.slice(0, 8)}/${u}`);
  const table = fc.oneof(
    { weight: 8, arbitrary: fc.constant(victim) },
    { weight: 1, arbitrary: fc.constant('no-such-table') },
    { weight: 1, arbitrary: fc.string({ minLength: 0, maxLength: 300 }) },
  );
  const region = fc.oneof(
    { weight: 8, arbitrary: fc.constantFrom('eu-west-1', 'ap-southeast-2', HOME, 'ca-central-1') },
    { weight: 1, arbitrary: fc.string() },
  );
  const replica = fc.record(
    {
      RegionName: region,
      PropagateTags: usually(fc.constantFrom('true', 'false', 'yes')),
      PointInTimeRecoveryEnabled: usually(fc.constantFrom('true', 'false')),
      PointInTimeRecoveryPeriodInDays: fc.oneof(
        { weight: 6, arbitrary: fc.constantFrom('7', '14') },
        { weight: 1, arbitrary: fc.constantFrom('0', '36', '-1', '1e3', 'NaN') },
        { weight: 1, arbitrary: anything },
      ),
      DeletionProtectionEnabled: usually(fc.constantFrom('false', 'true')),
    },
    { requiredKeys: ['RegionName'] },
  );
  const props = fc.record(
    {
      TableName: table,
      BillingMode: usually(fc.constantFrom('PAY_PER_REQUEST', 'PROVISIONED', 'pay_per_request')),
      Replicas: usually(fc.array(replica, { maxLength: 2 })),
      Tags: usually(fc.constant([{ Key: 'team', Value: 'x' }])),
      WaitForReplication: usually(fc.constantFrom('true', 'false')),
      RetainOnDelete: usually(fc.constantFrom('false', 'true')),
      ServiceTimeout: fc.oneof(
        { weight: 8, arbitrary: fc.constant('3600') },
        { weight: 1, arbitrary: fc.constantFrom('1', '0', '99999') },
        { weight: 1, arbitrary: anything },
      ),
      AdoptExistingTable: fc.oneof(
        { weight: 3, arbitrary: fc.constant(undefined) },
        { weight: 1, arbitrary: fc.constant(victim) },
        { weight: 1, arbitrary: anything },
      ),
    },
    { requiredKeys: ['TableName', 'BillingMode', 'Replicas'] },
  );
  const eventArb = fc.record(
    {
      RequestType: fc.oneof(
        { weight: 12, arbitrary: fc.constantFrom('Create', 'Update', 'Delete') },
        { weight: 1, arbitrary: fc.constantFrom('Destroy', 'create', '', 'Delete ') },
        { weight: 1, arbitrary: anything },
      ),
      ResponseURL: fc.oneof({ weight: 5, arbitrary: validUrl }, { weight: 3, arbitrary: hostileUrls }, { weight: 1, arbitrary: anything }),
      StackId: maybe(otherStack),
      RequestId: maybe(fc.uuid()),
      ResourceType: fc.oneof(
        { weight: 12, arbitrary: fc.constant('Custom::ArcDynamoDbReplicas') },
        { weight: 1, arbitrary: fc.constantFrom('Custom::Other', 'AWS::S3::Bucket') },
        { weight: 1, arbitrary: anything },
      ),
      LogicalResourceId: maybe(fc.constantFrom('VictimReplicas', 'Replicas', 'X')),
      PhysicalResourceId: maybe(fc.constantFrom(`arc-dynamodb:replicas:${victim}`, 'arc-dynamodb:CREATE_FAILED:VictimReplicas', 'x')),
      ResourceProperties: fc.oneof({ weight: 12, arbitrary: props }, { weight: 1, arbitrary: anything }),
      OldResourceProperties: maybe(props),
      ArcDynamoDbContinuation: fc.oneof(
        { weight: 5, arbitrary: fc.constant(undefined) },
        { weight: 1, arbitrary: fc.record({ chainId: fc.string(), startedAt: fc.integer(), hop: fc.nat(), checkpoint: anything }) },
      ),
    },
    {
      requiredKeys: [
        'RequestType',
        'ResponseURL',
        'StackId',
        'RequestId',
        'ResourceType',
        'LogicalResourceId',
        'PhysicalResourceId',
        'ResourceProperties',
        'OldResourceProperties',
      ],
    },
  );
  const raw = fc.sample(eventArb, { numRuns: EVENTS, seed: 20261125 });
  // Well-formed events from other stacks naming the victim: each reaches the ownership check.
  const wellFormed = fc.record({
    RequestType: fc.constantFrom('Create', 'Update', 'Delete'),
    ResponseURL: validUrl,
    StackId: otherStack,
    RequestId: fc.uuid(),
    ResourceType: fc.constant('Custom::ArcDynamoDbReplicas'),
    LogicalResourceId: fc.constantFrom('VictimReplicas', 'Replicas'),
    PhysicalResourceId: fc.constantFrom(`arc-dynamodb:replicas:${victim}`, 'VictimReplicas'),
    ResourceProperties: fc.record(
      {
        TableName: fc.constant(victim),
        BillingMode: fc.constantFrom('PAY_PER_REQUEST', 'PROVISIONED'),
        Replicas: fc.array(
          fc.record({
            RegionName: fc.constantFrom('eu-west-1', 'ap-southeast-2', 'ca-central-1'),
            DeletionProtectionEnabled: fc.constantFrom('true', 'false'),
          }),
          { maxLength: 2 },
        ),
        RetainOnDelete: fc.constantFrom('true', 'false'),
        AdoptExistingTable: fc.constantFrom(victim, undefined),
      },
      { requiredKeys: ['TableName', 'BillingMode', 'Replicas'] },
    ),
    OldResourceProperties: fc.constant(replicasProps(victim, [{ RegionName: 'eu-west-1' }])),
  });
  raw.push(...fc.sample(wellFormed, { numRuns: WELL_FORMED, seed: 42 }));
  const topLevelJunk = fc.sample(anything, { numRuns: 50, seed: 7 });
  const events: unknown[] = [
    ...raw.map((e) => ({ ...e, ResponseURL: typeof e.ResponseURL === 'function' ? (e.ResponseURL as () => string)() : e.ResponseURL })),
    ...topLevelJunk,
    // A Lambda on-failure destination record wrapping a hostile event.
    { requestContext: { condition: 'RetriesExhausted' }, requestPayload: { RequestType: 'Delete', ResponseURL: `http://127.0.0.1:${trapPort}/x` } },
  ];

  const mark = w.sim.calls.length;
  const cfnMark = w.cfn.cloudformation.calls.length;
  let thrown = 0;
  const queue = [...events];
  await Promise.all(
    Array.from({ length: 16 }, async () => {
      for (let e = queue.shift(); e !== undefined || queue.length > 0; e = queue.shift()) {
        try {
          await provider(e, { awsRequestId: `fuzz-${Math.random()}`, getRemainingTimeInMillis: () => 5000 });
        } catch {
          thrown++;
        }
      }
    }),
  );

  expect(thrown).toBe(0);
  // Every response went to a valid ResponseURL; nothing reached the trap; nothing continued.
  expect(attempted.filter((u) => u === 'continuation')).toEqual([]);
  expect(attempted.filter((u) => checkResponseUrl(u, policy) !== undefined)).toEqual([]);
  expect(attempted.every((u) => u.startsWith(validPrefix))).toBe(true);
  expect(trapHits).toBe(0);
  const fuzzCalls = w.sim.calls.slice(mark);
  // CloudFormation was really asked about a good share of the events, and none of them (no
  // stack of theirs is known to it) got as far as reading the victim's table.
  expect(w.cfn.cloudformation.calls.slice(cfnMark).filter((c) => c.action === 'DescribeStackResource').length).toBeGreaterThan(WELL_FORMED * 0.8);
  expect(fuzzCalls.filter((c) => c.operation === 'ListTagsOfResource')).toEqual([]);
  expect(fuzzCalls.filter((c) => c.mutating)).toEqual([]);
  // Stack A's table and replica are as they were.
  expect([await regionView(w.sim, HOME, victim), await regionView(w.sim, 'eu-west-1', victim)]).toEqual(victimBefore);
  // Every response fits CloudFormation's 4,096-byte limit.
  expect(okResponses.length).toBeGreaterThan(100);
  expect(okResponses.filter((r) => Buffer.byteLength(r.body) > 4096)).toEqual([]);
  // Logs carry no signature, no credentials, no item data, and no 100 KB strings.
  expect(logs.filter((l) => l.includes('FUZZSIG'))).toEqual([]);
  expect(leakedSecrets(logs, [TEST_CREDENTIALS.accessKeyId, TEST_CREDENTIALS.secretAccessKey, ITEM_CANARY])).toEqual([]);
  expect(logs.filter((l) => l.length > 10_000)).toEqual([]);
  expect(leakedSecrets(w.cfn.logs, w.cfn.secrets)).toEqual([]);
});

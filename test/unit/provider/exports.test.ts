/**
 * Custom::ArcDynamoDbExport (provider/exports/) with a scripted DynamoDB: what it decides from what
 * DynamoDB answers, one path per test. The same handler runs against the simulator's export model
 * in test/integration/stack/copy-from.test.ts.
 */
import { dataFolder, makeExportHandler } from '../../../provider/exports/handler';
import { parseExportProps, type ExportProps } from '../../../provider/exports/props';
import type { HandlerRequest, RequestType } from '../../../provider/types';

const noLog = { info: () => undefined, warn: () => undefined, error: () => undefined, debug: () => undefined } as never;
const STACK = 'arn:aws:cloudformation:us-east-1:111111111111:stack/staging/1';
const SOURCE = 'arn:aws:dynamodb:us-east-1:111111111111:table/orders';
const EXPORT = `${SOURCE}/export/01764633600000-a1b2c3d4`;
/** The physical ID: the export, and what the table reads of it (provider/exports/handler.ts physicalIdOf). */
const PHYSICAL_ID = `${EXPORT}|111111111111|s3://copies/arc-dynamodb/staging/Staging/AWSDynamoDB/01764633600000-a1b2c3d4/data/`;

const props: ExportProps = {
  ServiceToken: 'arn',
  ServiceTimeout: 3600,
  TableLogicalId: 'Staging',
  SourceTableArn: SOURCE,
  S3Bucket: 'copies',
  KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH', AttributeType: 'S' }],
};

type Answer = Record<string, unknown> | Error;

/** A DynamoDB client that answers each command name with the next scripted answer, recording every call. */
function scripted(script: Record<string, Answer[]>) {
  const calls: { name: string; input: Record<string, unknown> }[] = [];
  const client = {
    send: async (command: { constructor: { name: string }; input: Record<string, unknown> }) => {
      const name = command.constructor.name.replace(/Command$/, '');
      calls.push({ name, input: command.input });
      const next = script[name]?.shift();
      if (next === undefined) throw new Error(`unscripted ${name}`);
      if (next instanceof Error) throw next;
      return next;
    },
  };
  return { client, calls };
}

const described = {
  Table: { KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }], AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }] },
};
const pitr = (status = 'ENABLED') => ({
  ContinuousBackupsDescription: {
    PointInTimeRecoveryDescription: { PointInTimeRecoveryStatus: status, EarliestRestorableDateTime: new Date('2026-11-01T00:00:00Z') },
  },
});
const exportDescription = (status: string, extra: Record<string, unknown> = {}) => ({
  ExportDescription: { ExportArn: EXPORT, ExportStatus: status, S3Bucket: 'copies', S3Prefix: 'arc-dynamodb/staging/Staging', ...extra },
});

function request(type: RequestType, client: unknown, over: Partial<HandlerRequest<ExportProps>> = {}): HandlerRequest<ExportProps> {
  return {
    requestType: type,
    stackId: STACK,
    requestId: 'req-1',
    logicalResourceId: 'StagingExport',
    properties: props,
    deadline: Date.now() + 5_000,
    clients: { homeRegion: 'us-east-1', dynamodb: () => client } as never,
    log: noLog,
    ...over,
  };
}

const handler = makeExportHandler({ initialMs: 1, maxMs: 2 });
const FOLDER = 'arc-dynamodb/staging/Staging/AWSDynamoDB/01764633600000-a1b2c3d4/data/';

describe('Custom::ArcDynamoDbExport', () => {
  it('names the data folder by the ID that ends the export ARN, and nothing for another ARN', () => {
    expect(dataFolder('p/q', EXPORT)).toBe('p/q/AWSDynamoDB/01764633600000-a1b2c3d4/data/');
    expect(dataFolder('p', `${SOURCE}/import/01764633600000-a1b2c3d4`)).toBeUndefined();
  });

  it('refuses properties that are no table ARN, a prefix that climbs out of the stack prefix, or a key that does not start with HASH', () => {
    const raw = { ...props, ServiceTimeout: '3600' };
    expect(() => parseExportProps({ ...raw, SourceTableArn: 'orders' })).toThrow(/SourceTableArn/);
    expect(() => parseExportProps({ ...raw, S3Prefix: '../other-stack' })).toThrow(/S3Prefix/);
    expect(() => parseExportProps({ ...raw, S3Prefix: 'a//b' })).toThrow(/S3Prefix/);
    expect(() => parseExportProps({ ...raw, KeySchema: [{ AttributeName: 'sk', KeyType: 'RANGE', AttributeType: 'N' }] })).toThrow(/KeySchema/);
    expect(parseExportProps({ ...raw, S3Prefix: 'team/copy' }).S3Prefix).toBe('team/copy');
  });

  it('starts the export under the stack prefix with a ClientToken of the request, and answers with the data folder once COMPLETED', async () => {
    const { client, calls } = scripted({
      DescribeTable: [described],
      DescribeContinuousBackups: [pitr()],
      ExportTableToPointInTime: [exportDescription('IN_PROGRESS')],
      DescribeExport: [
        exportDescription('IN_PROGRESS'),
        exportDescription('COMPLETED', {
          ItemCount: 42,
          ExportManifest: 'arc-dynamodb/staging/Staging/AWSDynamoDB/01764633600000-a1b2c3d4/manifest-summary.json',
        }),
      ],
    });
    const r = await handler.handle(request('Create', client));
    expect(r).toMatchObject({
      status: 'done',
      physicalResourceId: PHYSICAL_ID,
      data: { S3Bucket: 'copies', S3BucketOwner: '111111111111', S3KeyPrefix: FOLDER, ItemCount: '42' },
    });
    const started = calls.find((c) => c.name === 'ExportTableToPointInTime')?.input;
    expect(started).toMatchObject({ TableArn: SOURCE, S3Bucket: 'copies', S3Prefix: 'arc-dynamodb/staging/Staging', ExportFormat: 'DYNAMODB_JSON' });
    // The same request (a retry, a duplicate delivery) asks for the same export.
    const again = scripted({ DescribeTable: [described], DescribeContinuousBackups: [pitr()], ExportTableToPointInTime: [new Error('stop here')] });
    expect(await handler.handle(request('Create', again.client))).toMatchObject({
      status: 'failed',
      reason: expect.stringMatching(/ExportTableToPointInTime failed/),
    });
    expect(again.calls.find((c) => c.name === 'ExportTableToPointInTime')?.input.ClientToken).toBe(started?.ClientToken);
  });

  it('continues with the final attributes while the export runs, and a continuation only polls', async () => {
    const { client } = scripted({
      DescribeTable: [described],
      DescribeContinuousBackups: [pitr()],
      ExportTableToPointInTime: [exportDescription('IN_PROGRESS')],
      DescribeExport: [exportDescription('IN_PROGRESS')],
    });
    const r = await handler.handle(request('Create', client, { deadline: Date.now() }));
    expect(r).toMatchObject({ status: 'continue', physicalResourceId: PHYSICAL_ID, data: { S3KeyPrefix: FOLDER } });
    const checkpoint = (r as { checkpoint: unknown }).checkpoint;
    const next = scripted({ DescribeExport: [exportDescription('COMPLETED', { ItemCount: 1 })] });
    expect(await handler.handle(request('Create', next.client, { checkpoint }))).toMatchObject({ status: 'done', data: { S3KeyPrefix: FOLDER } });
    expect(next.calls.map((c) => c.name)).toEqual(['DescribeExport']);
  });

  it('fails with DynamoDB reason when the export FAILED, and when its manifest is not beside the data folder', async () => {
    const failing = scripted({
      DescribeTable: [described],
      DescribeContinuousBackups: [pitr()],
      ExportTableToPointInTime: [exportDescription('IN_PROGRESS')],
      DescribeExport: [exportDescription('FAILED', { FailureCode: 'S3AccessDenied', FailureMessage: 'Access Denied' })],
    });
    expect(await handler.handle(request('Create', failing.client))).toMatchObject({
      status: 'failed',
      reason: expect.stringMatching(/S3AccessDenied: Access Denied/),
    });
    const moved = scripted({
      DescribeTable: [described],
      DescribeContinuousBackups: [pitr()],
      ExportTableToPointInTime: [exportDescription('IN_PROGRESS')],
      DescribeExport: [exportDescription('COMPLETED', { ExportManifest: 'elsewhere/manifest-summary.json' })],
    });
    expect(await handler.handle(request('Create', moved.client))).toMatchObject({ status: 'failed', reason: expect.stringMatching(/is not beside/) });
  });

  it('an Update exports nothing: it answers the remembered attributes, or those its physical ID carries, and calls nothing', async () => {
    const memo = {
      S3Bucket: 'copies',
      S3BucketOwner: '111111111111',
      S3KeyPrefix: FOLDER,
      ExportArn: EXPORT,
      ExportTime: '2026-12-01T00:00:00.000Z',
      ItemCount: '3',
    };
    const none = scripted({});
    const changed = { ...props, SourceTableArn: `${SOURCE}-other`, S3Prefix: 'elsewhere', S3Bucket: 'other-bucket' };
    const r = await handler.handle(request('Update', none.client, { physicalResourceId: PHYSICAL_ID, memo, properties: changed, oldProperties: props }));
    expect(r).toMatchObject({ status: 'done', physicalResourceId: PHYSICAL_ID, data: memo });
    // The state table lost (the provider's stack deployed anew), the export long forgotten by DynamoDB: the same values.
    const rebuilt = await handler.handle(request('Update', none.client, { physicalResourceId: PHYSICAL_ID, properties: changed }));
    expect(rebuilt).toMatchObject({
      status: 'done',
      physicalResourceId: PHYSICAL_ID,
      data: { S3KeyPrefix: FOLDER, S3Bucket: 'copies', S3BucketOwner: '111111111111' },
    });
    expect(none.calls).toEqual([]);
    expect(await handler.handle(request('Update', none.client, { physicalResourceId: EXPORT }))).toMatchObject({
      status: 'failed',
      reason: expect.stringMatching(/names no export this provider made; nothing was changed/),
    });
  });

  it('a Delete calls nothing and deletes nothing', async () => {
    const none = scripted({});
    expect(await handler.handle(request('Delete', none.client, { physicalResourceId: PHYSICAL_ID }))).toMatchObject({
      status: 'done',
      physicalResourceId: PHYSICAL_ID,
    });
    expect(none.calls).toEqual([]);
  });
});

/**
 * Adversarial review of the export resource (each test failed against 139bc92 and passes since
 * the fix named in it).
 */
describe('Custom::ArcDynamoDbExport, review findings', () => {
  const EXPORT_ID = '01764633600000-a1b2c3d4';
  const manifestCase = (manifest: string) =>
    scripted({
      DescribeTable: [described],
      DescribeContinuousBackups: [pitr()],
      ExportTableToPointInTime: [exportDescription('IN_PROGRESS')],
      DescribeExport: [exportDescription('COMPLETED', { ItemCount: 3, ExportManifest: manifest })],
    });

  // ExportManifest is only "the name of the manifest file for the export task" (DescribeExport API
  // reference); what is documented is its place, export-prefix/AWSDynamoDB/ExportId/manifest-summary.json
  // (https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/S3DataExport.Output.html).
  // Whether the name carries the prefix, or an s3:// scheme, is not: a completed export must not be
  // failed over that, only over a manifest of another export.
  it('accepts a completed export whose manifest name is written with or without its prefix, and refuses one of another export', async () => {
    for (const manifest of [
      `arc-dynamodb/staging/Staging/AWSDynamoDB/${EXPORT_ID}/manifest-summary.json`,
      `AWSDynamoDB/${EXPORT_ID}/manifest-summary.json`,
      `s3://copies/arc-dynamodb/staging/Staging/AWSDynamoDB/${EXPORT_ID}/manifest-summary.json`,
    ]) {
      expect(await handler.handle(request('Create', manifestCase(manifest).client))).toMatchObject({ status: 'done', data: { S3KeyPrefix: FOLDER } });
    }
    expect(
      await handler.handle(request('Create', manifestCase('arc-dynamodb/staging/Staging/AWSDynamoDB/01764633600000-ffffffff/manifest-summary.json').client)),
    ).toMatchObject({ status: 'failed', reason: expect.stringMatching(/is not beside/) });
  });

  // AWS's error messages name the provider's role and resources ("User: arn:aws:sts::...:assumed-role/
  // <role>/<function> is not authorized to perform ..."); the reason is shown in the stack's events to
  // whoever deploys it. The precheck (provider/indexes/precheck.ts) reports the error's name only.
  it("reports a source it may not read by the error's name and what to check, never AWS's message with the provider's role", async () => {
    const denied = Object.assign(
      new Error(
        'User: arn:aws:sts::111111111111:assumed-role/arc-dynamodb-ProviderRole-1A2B3C/arc-dynamodb-provider is not authorized to ' +
          'perform: dynamodb:DescribeTable on resource: arn:aws:dynamodb:us-east-1:111111111111:table/orders',
      ),
      { name: 'AccessDeniedException' },
    );
    const { client, calls } = scripted({ DescribeTable: [denied] });
    const r = await handler.handle(request('Create', client));
    expect(r).toMatchObject({ status: 'failed', reason: expect.stringMatching(/AccessDeniedException.*CopySourceTableArns/) });
    expect((r as { reason: string }).reason).not.toMatch(/assumed-role|ProviderRole|is not authorized/);
    expect(calls.map((c) => c.name)).toEqual(['DescribeTable']);
  });

  it('an error once the export has started fails with the export as the physical ID, so the rollback Delete knows it', async () => {
    const throttled = Object.assign(new Error('Rate exceeded for arn:aws:iam::111111111111:role/secret'), { name: 'ThrottlingException' });
    const { client } = scripted({
      DescribeTable: [described],
      DescribeContinuousBackups: [pitr()],
      ExportTableToPointInTime: [exportDescription('IN_PROGRESS')],
      DescribeExport: [throttled],
    });
    const r = await handler.handle(request('Create', client));
    expect(r).toMatchObject({ status: 'failed', physicalResourceId: PHYSICAL_ID, reason: expect.stringMatching(/ThrottlingException/) });
    expect((r as { reason: string }).reason).not.toMatch(/role\/secret/);
  });

  // The memo is kept per (stack, logical ID) and outlives the resource's Delete (the guard keeps it):
  // a memo written for an earlier incarnation of the logical ID is not this export's. Answering it
  // would hand the table another ImportSourceSpecification, which replaces the table.
  it("an Update answers the export of its own physical ID, never a memo left by an earlier incarnation's export", async () => {
    const OTHER = `${SOURCE}/export/01700000000000-0badf00d`;
    const stale = {
      S3Bucket: 'copies',
      S3BucketOwner: '111111111111',
      S3KeyPrefix: 'arc-dynamodb/staging/Staging/AWSDynamoDB/01700000000000-0badf00d/data/',
      ExportArn: OTHER,
      ExportTime: '',
      ItemCount: '9',
    };
    const none = scripted({});
    const r = await handler.handle(request('Update', none.client, { physicalResourceId: PHYSICAL_ID, memo: stale, oldProperties: props }));
    expect(r).toMatchObject({ status: 'done', physicalResourceId: PHYSICAL_ID, data: { S3KeyPrefix: FOLDER, ExportArn: EXPORT } });
  });
});

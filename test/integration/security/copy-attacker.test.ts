/**
 * Adversarial review of Custom::ArcDynamoDbExport (CopyFrom): callers who are not CloudFormation,
 * stacks reaching outside their own part of the copy bucket, and Updates trying to export again or
 * point the table at another export. Runs against moto_server behind the replica simulator, whose
 * export model lays exports out as DynamoDB does (replica-simulator/exports.ts, E1-E6), with the
 * local CloudFormation API the guard authenticates against.
 *
 * Findings of this review that are proved elsewhere: a reason that named the provider's role, a
 * manifest check on an undocumented form, a memo of an earlier incarnation
 * (test/unit/provider/exports.test.ts, "review findings"), and CopyFrom added to an existing table
 * (test/integration/stack/copy-from.test.ts).
 */
import { CreateTableCommand, PutItemCommand, UpdateContinuousBackupsCommand } from '@aws-sdk/client-dynamodb';
import { CreateBucketCommand, S3Client } from '@aws-sdk/client-s3';
import { EXPORT_RESOURCE_TYPE } from '../../../contract/resources';
import { makeExportHandler } from '../../../provider/exports/handler';
import type { ResourceHandler } from '../../../provider/types';
import { leakedSecrets, type HarnessEvent } from '../../support/cfn-harness';
import { LOCAL_CREDENTIALS } from '../../support/moto';
import { EXACT_STATE, HOME, startWorld, uniqueName, type World } from '../provider/world';

let w: World;
const BUCKET = `copy-attack-${process.pid}`;

beforeAll(async () => {
  w = await startWorld({ ...EXACT_STATE, handlers: [makeExportHandler({ initialMs: 20, maxMs: 100 }) as ResourceHandler<unknown>] });
  const s3 = new S3Client({ region: HOME, endpoint: w.moto.endpoint, credentials: LOCAL_CREDENTIALS, forcePathStyle: true });
  await s3.send(new CreateBucketCommand({ Bucket: BUCKET }));
  s3.destroy();
}, 120_000);
afterAll(async () => {
  expect(leakedSecrets(w.cfn.logs, w.cfn.secrets)).toEqual([]);
  await w?.stop();
});

/** A source table with PITR and an item, in the stack's account (moto's). */
async function source(): Promise<string> {
  const name = uniqueName('copy-attack-src');
  const ddb = w.sim.direct(HOME);
  const t = await ddb.send(
    new CreateTableCommand({
      TableName: name,
      BillingMode: 'PAY_PER_REQUEST',
      KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
      AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }],
    }),
  );
  await ddb.send(new PutItemCommand({ TableName: name, Item: { pk: { S: 'secret' } } }));
  await ddb.send(new UpdateContinuousBackupsCommand({ TableName: name, PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true } }));
  return t.TableDescription?.TableArn as string;
}

/** Properties as the macro writes them and CloudFormation delivers them (scalars as strings). */
const exportProps = (sourceArn: string, extra: Record<string, unknown> = {}) => ({
  ServiceToken: 'arn:aws:lambda:us-east-1:123456789012:function:arc-dynamodb-provider',
  ServiceTimeout: '3600',
  TableLogicalId: 'Copy',
  SourceTableArn: sourceArn,
  S3Bucket: BUCKET,
  KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH', AttributeType: 'S' }],
  ...extra,
});

const EXPORT = { ResourceType: EXPORT_RESOURCE_TYPE, LogicalResourceId: 'CopyExport' };
const exportsOf = (arn: string) => w.sim.exports.filter((e) => e.tableArn === arn);

describe('Custom::ArcDynamoDbExport under attack', () => {
  // HOLDS: the guard asks CloudFormation (DescribeStackResource) whether it is creating this resource.
  it('a forged Create, for a resource CloudFormation is not creating, is refused and exports nothing', async () => {
    const arn = await source();
    const ev = w.cfn.event({ ...EXPORT, RequestType: 'Create', StackId: w.cfn.stackId('forger'), ResourceProperties: exportProps(arn) } as HarnessEvent);
    w.cfn.deliverForged(ev);
    await w.cfn.idle();
    const [answer] = w.cfn.responsesFor(String(ev.RequestId));
    expect(answer?.body.Status).toBe('FAILED');
    expect(answer?.body.Reason).toMatch(/does not match what CloudFormation is doing/);
    expect(exportsOf(arn)).toEqual([]);
  }, 60_000);

  // HOLDS: the prefix is joined under arc-dynamodb/<the authenticated stack's name>/ (exportKeyPrefixFor),
  // and `..` or an empty segment is refused at the boundary (provider/exports/props.ts).
  it("a stack's export lands under its own stack name whatever S3Prefix it names, and a prefix that climbs out is refused", async () => {
    const arn = await source();
    const stackName = uniqueName('prefixer');
    const climb = await w.cfn.request({
      ...EXPORT,
      RequestType: 'Create',
      StackId: w.cfn.stackId(stackName),
      ResourceProperties: exportProps(arn, { S3Prefix: '../victim/Copy' }),
    });
    expect(climb.body.Status).toBe('FAILED');
    expect(climb.body.Reason).toMatch(/S3Prefix/);
    expect(exportsOf(arn)).toEqual([]);
    const named = await w.cfn.request({
      ...EXPORT,
      RequestType: 'Create',
      StackId: w.cfn.stackId(uniqueName('other')),
      ResourceProperties: exportProps(arn, { S3Prefix: `/${stackName}/Copy/` }),
    });
    await w.cfn.idle();
    expect(named.body.Status).toBe('SUCCESS');
    expect(exportsOf(arn).map((e) => e.prefix)).toEqual([expect.stringMatching(new RegExp(`^arc-dynamodb/other-[0-9-]+/${stackName}/Copy$`))]);
    expect(named.body.Data?.S3KeyPrefix).toMatch(/^arc-dynamodb\/other-[0-9-]+\//);
  }, 60_000);

  // HOLDS: an Update never exports and answers the export made at creation, whatever it names;
  // a Delete and a new Create of the logical ID make a new export, which later Updates answer.
  it('an Update naming another source, bucket and prefix exports nothing; after a delete and re-create it answers the new export', async () => {
    const arn = await source();
    const other = await source();
    const stack = w.cfn.stackId(uniqueName('copier'));
    const v1 = exportProps(arn);
    const c1 = await w.cfn.request({ ...EXPORT, RequestType: 'Create', StackId: stack, ResourceProperties: v1 });
    await w.cfn.idle();
    expect(c1.body.Status).toBe('SUCCESS');
    const first = c1.body.Data;
    const moved = exportProps(other, { S3Bucket: 'attacker-bucket', S3Prefix: 'elsewhere', ExportTime: new Date(Date.now() - 1000).toISOString() });
    const u1 = await w.cfn.request({
      ...EXPORT,
      RequestType: 'Update',
      StackId: stack,
      PhysicalResourceId: c1.body.PhysicalResourceId,
      ResourceProperties: moved,
      OldResourceProperties: v1,
    });
    expect(u1.body.Status).toBe('SUCCESS');
    expect(u1.body.Data).toEqual(first);
    expect(exportsOf(other)).toEqual([]);
    const d = await w.cfn.request({
      ...EXPORT,
      RequestType: 'Delete',
      StackId: stack,
      PhysicalResourceId: c1.body.PhysicalResourceId,
      ResourceProperties: moved,
    });
    expect(d.body.Status).toBe('SUCCESS');
    const c2 = await w.cfn.request({ ...EXPORT, RequestType: 'Create', StackId: stack, ResourceProperties: v1 });
    await w.cfn.idle();
    expect(c2.body.Status).toBe('SUCCESS');
    expect(c2.body.PhysicalResourceId).not.toBe(c1.body.PhysicalResourceId);
    const u2 = await w.cfn.request({
      ...EXPORT,
      RequestType: 'Update',
      StackId: stack,
      PhysicalResourceId: c2.body.PhysicalResourceId,
      ResourceProperties: moved,
      OldResourceProperties: v1,
    });
    expect(u2.body.Status).toBe('SUCCESS');
    expect(u2.body.Data).toEqual(c2.body.Data);
    expect(u2.body.Data?.S3KeyPrefix).not.toBe(first?.S3KeyPrefix);
    expect(exportsOf(arn)).toHaveLength(2);
  }, 60_000);
});

import { PURGE_ATTRIBUTE } from '../../../provider/load/distributed/records';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT, list, roleStatements, samTranslate, type CfnTemplate, type Deployment, type Statement } from './sam-template';

const ACCOUNT = '123456789012';
/** TableNamePrefix is required (no default); every deployment here names one unless a test overrides it. */
const deployment = (parameters: Record<string, string> = {}, partition = 'aws'): Deployment => ({
  parameters: { TableNamePrefix: 'app-', ...parameters },
  partition,
  region: 'eu-west-1',
  accountId: ACCOUNT,
});
const KEY = 'arn:aws:kms:eu-central-1:123456789012:key/1111-2222';
const SOURCE = 'arn:aws:dynamodb:eu-west-1:123456789012:table/orders';

const actionsOf = (statements: Statement[]) => statements.flatMap((s) => list(s.Action));
const statementsWith = (statements: Statement[], prefix: string) => statements.filter((s) => list(s.Action).some((a) => a.startsWith(prefix)));

describe('least privilege in the SAM-translated template.yaml (issue 7)', () => {
  let t: CfnTemplate;
  beforeAll(() => {
    t = samTranslate().translated;
  });

  it('runs each function with its own role and attaches no managed policy to either', () => {
    expect(t.Resources.MacroFunction.Properties?.Role).toEqual({ 'Fn::GetAtt': ['MacroRole', 'Arn'] });
    expect(t.Resources.ProviderFunction.Properties?.Role).toEqual({ 'Fn::GetAtt': ['ProviderRole', 'Arn'] });
    const roles = Object.entries(t.Resources).filter(([, r]) => r.Type === 'AWS::IAM::Role');
    expect(roles.map(([id]) => id).sort()).toEqual(['LoadStateMachineRole', 'MacroRole', 'ProviderRole']);
    for (const [, r] of roles) expect(r.Properties?.ManagedPolicyArns).toBeUndefined();
  });

  it('lets the macro write only its own logs', () => {
    expect(roleStatements(t, 'MacroRole', deployment())).toEqual([
      { Sid: 'WriteOwnLogs', Effect: 'Allow', Action: ['logs:CreateLogStream', 'logs:PutLogEvents'], Resource: '<MacroLogGroup.Arn>' },
    ]);
  });

  it('grants no wildcard action (no dynamodb:*, no service:*) and uses no NotAction or NotResource', () => {
    const statements = roleStatements(t, 'ProviderRole', deployment({ LoadBucketNames: 'b1', ReplicaKmsKeyArns: KEY, LoadBucketKmsKeyArns: KEY }));
    for (const a of actionsOf(statements)) expect(a).not.toMatch(/\*/);
    expect(actionsOf(statements)).not.toContain('dynamodb:*');
    for (const s of statements) {
      expect(s.Effect).toBe('Allow');
      expect(Object.keys(s).sort()).toEqual(expect.arrayContaining(['Action', 'Effect', 'Resource']));
      expect(s).not.toHaveProperty('NotAction');
      expect(s).not.toHaveProperty('NotResource');
    }
  });

  it('scopes every DynamoDB action to tables of this account whose names start with TableNamePrefix, in any region (the state table aside)', () => {
    const statements = statementsWith(roleStatements(t, 'ProviderRole', deployment({ TableNamePrefix: 'app-' })), 'dynamodb:').filter(
      (s) => s.Sid !== 'ProviderState',
    );
    expect(statements.length).toBeGreaterThan(0);
    for (const s of statements) {
      expect(list(s.Action).every((a) => a.startsWith('dynamodb:'))).toBe(true);
      expect(list(s.Resource).sort()).toEqual([
        `arn:aws:dynamodb:*:${ACCOUNT}:table/app-*`,
        `arn:aws:dynamodb:*:${ACCOUNT}:table/app-*/index/*`,
        `arn:aws:dynamodb:*:${ACCOUNT}:table/app-*/stream/*`,
      ]);
    }
  });

  it('requires TableNamePrefix (no default) and accepts only table-name characters or the literal ANY-TABLE, never "*"', () => {
    const p = t.Parameters?.TableNamePrefix as { Type: string; Default?: unknown; AllowedPattern?: string; MinLength?: number };
    expect(p.Type).toBe('String');
    expect(p).not.toHaveProperty('Default');
    expect(p.MinLength).toBe(1);
    const re = new RegExp(String(p.AllowedPattern));
    for (const ok of ['app-', 'a', 'Team_1.prod-', 'ANY-TABLE']) expect([ok, re.test(ok)]).toEqual([ok, true]);
    for (const bad of ['*', 'app-*', '', 'a b', 'app/', 'arn:aws:dynamodb:*', '${AWS::AccountId}', 'x'.repeat(201)])
      expect([bad, re.test(bad)]).toEqual([bad, false]);
  });

  it('TableNamePrefix ANY-TABLE is the explicit whole-account choice: every table, still only this account', () => {
    const statements = roleStatements(t, 'ProviderRole', deployment({ TableNamePrefix: 'ANY-TABLE' }));
    const [managed] = statements.filter((s) => s.Sid === 'ManagedTables');
    expect(list(managed.Resource).sort()).toEqual([
      `arn:aws:dynamodb:*:${ACCOUNT}:table/*`,
      `arn:aws:dynamodb:*:${ACCOUNT}:table/*/index/*`,
      `arn:aws:dynamodb:*:${ACCOUNT}:table/*/stream/*`,
    ]);
    expect(statements.find((s) => s.Sid === 'ReplicaRegionAlarms')?.Resource).toBe(`arn:aws:cloudwatch:*:${ACCOUNT}:alarm:TargetTracking-table/*`);
    // The literal never leaks into an ARN as a real prefix.
    expect(JSON.stringify(statements)).not.toContain('ANY-TABLE');
  });

  it('rejects "*" and anything but bucket names in LoadBucketNames, and anything but KMS key ARNs in the two key lists (per element)', () => {
    const pattern = (name: string) => new RegExp(String((t.Parameters?.[name] as { AllowedPattern?: string }).AllowedPattern));
    const buckets = pattern('LoadBucketNames');
    for (const ok of ['', 'seed-data', 'exports.v2', 'abc', 'a'.repeat(63)]) expect([ok, buckets.test(ok)]).toEqual([ok, true]);
    for (const bad of ['*', 'seed-*', 'ab', 'Seed', '-seed', 'seed-', 'a'.repeat(64), 'seed/obj', 'arn:aws:s3:::seed', 'seed data'])
      expect([bad, buckets.test(bad)]).toEqual([bad, false]);
    for (const name of ['ReplicaKmsKeyArns', 'LoadBucketKmsKeyArns']) {
      expect((t.Parameters?.[name] as { Type: string }).Type).toBe('CommaDelimitedList');
      expect(t.Parameters?.[name].Default).toBe('');
      const keys = pattern(name);
      for (const ok of ['', KEY, 'arn:aws-cn:kms:cn-north-1:123456789012:key/mrk-1234abcd', 'arn:aws-us-gov:kms:us-gov-west-1:123456789012:key/1111-2222'])
        expect([name, ok, keys.test(ok)]).toEqual([name, ok, true]);
      for (const bad of [
        '*',
        'arn:aws:kms:*:123456789012:key/*',
        'arn:aws:kms:eu-west-1:123456789012:key/*',
        'arn:aws:kms:eu-west-1:123456789012:alias/app',
        'arn:aws:kms:eu-west-1:*:key/k',
        '1111-2222',
        'arn:aws:s3:::b',
      ]) {
        expect([name, bad, keys.test(bad)]).toEqual([name, bad, false]);
      }
    }
  });

  it('limits iam:CreateServiceLinkedRole to the DynamoDB replication and DynamoDB autoscaling roles', () => {
    const statements = statementsWith(roleStatements(t, 'ProviderRole', deployment()), 'iam:');
    expect(statements).toHaveLength(1);
    const [s] = statements;
    expect(s.Action).toBe('iam:CreateServiceLinkedRole');
    expect(list(s.Resource).sort()).toEqual([
      `arn:aws:iam::${ACCOUNT}:role/aws-service-role/dynamodb.application-autoscaling.amazonaws.com/AWSServiceRoleForApplicationAutoScaling_DynamoDBTable`,
      `arn:aws:iam::${ACCOUNT}:role/aws-service-role/replication.dynamodb.amazonaws.com/AWSServiceRoleForDynamoDBReplication`,
    ]);
    expect(s.Condition).toEqual({
      StringEquals: { 'iam:AWSServiceName': ['replication.dynamodb.amazonaws.com', 'dynamodb.application-autoscaling.amazonaws.com'] },
    });
  });

  it('grants no S3 access at all when LoadBucketNames is empty (the default)', () => {
    expect(t.Parameters?.LoadBucketNames.Default).toBe('');
    expect(statementsWith(roleStatements(t, 'ProviderRole', deployment()), 's3:')).toEqual([]);
  });

  it("limits S3 to reading the arc-dynamodb/ part of the named load buckets (the stacks' load prefixes)", () => {
    const statements = statementsWith(roleStatements(t, 'ProviderRole', deployment({ LoadBucketNames: 'seed-data,exports' })), 's3:').filter(
      (s) => s.Sid !== 'WriteLoadManifests',
    );
    expect(statements).toHaveLength(2);
    const [objects, listing] = statements;
    expect(list(objects.Action)).toEqual(['s3:GetObject']);
    expect(list(objects.Resource).sort()).toEqual(['arn:aws:s3:::exports/arc-dynamodb/*', 'arn:aws:s3:::seed-data/arc-dynamodb/*']);
    expect(objects.Condition).toBeUndefined();
    expect(list(listing.Action)).toEqual(['s3:ListBucket']);
    expect(list(listing.Resource).sort()).toEqual(['arn:aws:s3:::exports', 'arn:aws:s3:::seed-data']);
    expect(listing.Condition).toEqual({ StringLike: { 's3:prefix': 'arc-dynamodb/*' } });
  });

  it('grants nothing for copies by default, and then only on the named source tables, their exports and arc-dynamodb/ of the copy buckets', () => {
    for (const name of ['CopySourceTableArns', 'CopyBucketNames', 'CopyKmsKeyArns']) expect(t.Parameters?.[name].Default).toBe('');
    const copyActions = /ExportTableToPointInTime|DescribeExport|DescribeContinuousBackups|s3:Put|AbortMultipartUpload|GenerateDataKey/;
    const byDefault = roleStatements(t, 'ProviderRole', deployment());
    expect(byDefault.filter((s) => /Copy/.test(String(s.Sid)))).toEqual([]);
    expect(actionsOf(byDefault).filter((a) => copyActions.test(a) && a !== 'dynamodb:DescribeContinuousBackups')).toEqual([]);
    const other = 'arn:aws:dynamodb:eu-west-1:123456789012:table/archive';
    const statements = roleStatements(
      t,
      'ProviderRole',
      deployment({ CopySourceTableArns: `${SOURCE},${other}`, CopyBucketNames: 'copies', CopyKmsKeyArns: KEY }),
    );
    const sid = (id: string) => statements.find((s) => s.Sid === id) as Statement;
    expect(list(sid('ExportCopySources').Action).sort()).toEqual([
      'dynamodb:DescribeContinuousBackups',
      'dynamodb:DescribeTable',
      'dynamodb:ExportTableToPointInTime',
    ]);
    expect(list(sid('ExportCopySources').Resource).sort()).toEqual([other, SOURCE].sort());
    expect(list(sid('DescribeCopyExports').Resource).sort()).toEqual([`${other}/export/*`, `${SOURCE}/export/*`].sort());
    expect(list(sid('WriteCopyExports').Action).sort()).toEqual(['s3:AbortMultipartUpload', 's3:PutObject', 's3:PutObjectAcl']);
    expect(list(sid('WriteCopyExports').Resource)).toEqual(['arn:aws:s3:::copies/arc-dynamodb/*']);
    expect(list(sid('EncryptCopyExports').Resource)).toEqual([KEY]);
    expect(sid('EncryptCopyExports').Condition).toEqual({
      StringEquals: { 'kms:ViaService': ['s3.eu-west-1.amazonaws.com', 's3.eu-west-1.amazonaws.com.cn'] },
    });
    // Only these copy statements name the sources: no other statement grants an export.
    expect(statements.filter((s) => list(s.Action).includes('dynamodb:ExportTableToPointInTime')).map((s) => s.Sid)).toEqual(['ExportCopySources']);
  });

  it('uses the partition of the deployment in S3 ARNs (aws-cn, aws-us-gov)', () => {
    for (const partition of ['aws-cn', 'aws-us-gov']) {
      const statements = statementsWith(roleStatements(t, 'ProviderRole', deployment({ LoadBucketNames: 'seed' }, partition)), 's3:');
      expect(statements.flatMap((s) => list(s.Resource)).sort()).toEqual([
        `arn:${partition}:s3:::seed`,
        `arn:${partition}:s3:::seed/arc-dynamodb/*`,
        `arn:${partition}:s3:::seed/arc-dynamodb/.distributed/*`,
      ]);
      const machine = roleStatements(t, 'LoadStateMachineRole', deployment({ LoadBucketNames: 'seed' }, partition));
      expect(statementsWith(machine, 's3:').flatMap((s) => list(s.Resource))).toEqual([`arn:${partition}:s3:::seed/arc-dynamodb/.distributed/*`]);
    }
  });

  it('lets the provider invoke only itself, unqualified or through a version or alias ARN', () => {
    const statements = statementsWith(roleStatements(t, 'ProviderRole', deployment({ ProviderFunctionName: 'my-provider' })), 'lambda:');
    expect(statements).toHaveLength(1);
    expect(statements[0].Action).toBe('lambda:InvokeFunction');
    expect(statements[0].Resource).toEqual([
      `arn:aws:lambda:eu-west-1:${ACCOUNT}:function:my-provider`,
      `arn:aws:lambda:eu-west-1:${ACCOUNT}:function:my-provider:*`,
    ]);
    expect(statements[0]).not.toHaveProperty('Condition');
  });

  it('lets CloudWatch alarm writes touch only the target-tracking alarms of the prefixed tables, and logs only the provider log group', () => {
    const statements = roleStatements(t, 'ProviderRole', deployment({ TableNamePrefix: 'app-' }));
    const cw = statementsWith(statements, 'cloudwatch:');
    expect(cw.map((s) => [s.Sid, list(s.Action).sort(), s.Resource])).toEqual([
      // Application Auto Scaling names them TargetTracking-table/<name>[/index/<index>]-AlarmHigh-<uuid> ...
      ['ReplicaRegionAlarms', ['cloudwatch:DeleteAlarms', 'cloudwatch:PutMetricAlarm'], `arn:aws:cloudwatch:*:${ACCOUNT}:alarm:TargetTracking-table/app-*`],
      // ... and DescribeAlarms only reads.
      ['ReplicaRegionAlarmsRead', ['cloudwatch:DescribeAlarms'], `arn:aws:cloudwatch:*:${ACCOUNT}:alarm:*`],
    ]);
    const alarmArn = (name: string) => `arn:aws:cloudwatch:eu-west-1:${ACCOUNT}:alarm:${name}`;
    const writes = new RegExp(`^${String(cw[0].Resource).replace(/[.]/g, '\\.').replace(/\*/g, '.*')}$`);
    expect(writes.test(alarmArn('TargetTracking-table/app-orders-AlarmHigh-c6274d62-ea80-4f6b-add4-c7d8232cac74'))).toBe(true);
    expect(writes.test(alarmArn('TargetTracking-table/app-orders/index/by-gk-ProvisionedCapacityLow-fc66d6b6'))).toBe(true);
    expect(writes.test(alarmArn('TargetTracking-table/other-AlarmHigh-1'))).toBe(false);
    expect(writes.test(alarmArn('app-orders-high-latency'))).toBe(false);
    const logs = statementsWith(statements, 'logs:');
    expect(logs).toEqual([{ Sid: 'WriteOwnLogs', Effect: 'Allow', Action: ['logs:CreateLogStream', 'logs:PutLogEvents'], Resource: '<ProviderLogGroup.Arn>' }]);
  });

  it('scopes Application Auto Scaling writes to DynamoDB scalable targets of this account; only the two Describe* calls use "*"', () => {
    const statements = roleStatements(t, 'ProviderRole', deployment());
    const aas = statementsWith(statements, 'application-autoscaling:');
    expect(aas).toEqual([
      {
        Sid: 'ReplicaRegionAutoScaling',
        Effect: 'Allow',
        Action: [
          'application-autoscaling:RegisterScalableTarget',
          'application-autoscaling:DeregisterScalableTarget',
          'application-autoscaling:PutScalingPolicy',
          'application-autoscaling:DeleteScalingPolicy',
        ],
        Resource: `arn:aws:application-autoscaling:*:${ACCOUNT}:scalable-target/*`,
        Condition: { StringEquals: { 'application-autoscaling:service-namespace': 'dynamodb' } },
      },
      // No resource types and no condition keys for these (Service Authorization Reference).
      {
        Sid: 'ReplicaRegionAutoScalingRead',
        Effect: 'Allow',
        Action: ['application-autoscaling:DescribeScalableTargets', 'application-autoscaling:DescribeScalingPolicies'],
        Resource: '*',
      },
    ]);
    const starred = statements.filter((s) => list(s.Resource).includes('*'));
    expect(starred.flatMap((s) => list(s.Action)).sort()).toEqual([
      'application-autoscaling:DescribeScalableTargets',
      'application-autoscaling:DescribeScalingPolicies',
    ]);
  });

  it('grants KMS only on the keys named by ReplicaKmsKeyArns, only through DynamoDB, and none by default', () => {
    expect(statementsWith(roleStatements(t, 'ProviderRole', deployment()), 'kms:')).toEqual([]);
    const [s] = statementsWith(roleStatements(t, 'ProviderRole', deployment({ ReplicaKmsKeyArns: KEY })), 'kms:');
    expect(s.Sid).toBe('ReplicaKmsKeys');
    expect(s.Resource).toEqual([KEY]);
    expect(s.Condition).toEqual({ StringLike: { 'kms:ViaService': ['dynamodb.*.amazonaws.com', 'dynamodb.*.amazonaws.com.cn'] } });
  });

  it('grants kms:Decrypt for SSE-KMS load objects only on LoadBucketKmsKeyArns, only through S3 in this region, and nothing by default', () => {
    expect(t.Parameters?.LoadBucketKmsKeyArns.Default).toBe('');
    expect(statementsWith(roleStatements(t, 'ProviderRole', deployment({ LoadBucketNames: 'seed' })), 'kms:')).toEqual([]);
    const statements = statementsWith(
      roleStatements(t, 'ProviderRole', deployment({ LoadBucketNames: 'seed', LoadBucketKmsKeyArns: `${KEY},${KEY}9` })),
      'kms:',
    );
    expect(statements).toEqual([
      {
        Sid: 'DecryptLoadObjects',
        Effect: 'Allow',
        Action: 'kms:Decrypt',
        Resource: [KEY, `${KEY}9`],
        Condition: { StringEquals: { 'kms:ViaService': ['s3.eu-west-1.amazonaws.com', 's3.eu-west-1.amazonaws.com.cn'] } },
      },
      {
        Sid: 'EncryptLoadManifests',
        Effect: 'Allow',
        Action: 'kms:GenerateDataKey',
        Resource: [KEY, `${KEY}9`],
        Condition: { StringEquals: { 'kms:ViaService': ['s3.eu-west-1.amazonaws.com', 's3.eu-west-1.amazonaws.com.cn'] } },
      },
    ]);
  });

  it('creates the provider state table (on demand, pk String, SSE, PITR, TTL on purgeAt, deleted with the stack) and passes its name to the provider', () => {
    const table = t.Resources.ProviderStateTable as {
      Type: string;
      Properties: Record<string, unknown>;
      DeletionPolicy?: string;
      UpdateReplacePolicy?: string;
    };
    expect(table.Type).toBe('AWS::DynamoDB::Table');
    expect(table.DeletionPolicy).toBe('Delete');
    expect(table.UpdateReplacePolicy).toBe('Delete');
    expect(table.Properties).toEqual({
      BillingMode: 'PAY_PER_REQUEST',
      AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }],
      KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
      SSESpecification: { SSEEnabled: true },
      PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
      // A distributed load's batch records and claims expire (provider/load/distributed/records.ts PURGE_ATTRIBUTE).
      TimeToLiveSpecification: { AttributeName: PURGE_ATTRIBUTE, Enabled: true },
    });
    const env = (t.Resources.ProviderFunction.Properties as { Environment: { Variables: Record<string, unknown> } }).Environment.Variables;
    expect(env).toEqual({
      ARC_DYNAMODB_STATE_TABLE: { Ref: 'ProviderStateTable' },
      ARC_DYNAMODB_LOAD_STATE_MACHINE: {
        'Fn::If': [
          'HasLoadBuckets',
          { 'Fn::Sub': 'arn:${AWS::Partition}:states:${AWS::Region}:${AWS::AccountId}:stateMachine:${ProviderFunctionName}-load' },
          { Ref: 'AWS::NoValue' },
        ],
      },
    });
  });

  it('grants item reads and writes on the state table only, in addition to the managed-tables statement', () => {
    const statements = roleStatements(t, 'ProviderRole', deployment());
    const state = statements.filter((s) => list(s.Resource).includes('<ProviderStateTable.Arn>'));
    expect(state).toEqual([
      {
        Sid: 'ProviderState',
        Effect: 'Allow',
        Action: ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:DeleteItem'],
        Resource: '<ProviderStateTable.Arn>',
      },
    ]);
    expect(statements.some((s) => s.Sid === 'ManagedTables')).toBe(true);
  });

  it('may read the stacks of this account and region (request authentication), nothing else of CloudFormation', () => {
    const statements = statementsWith(roleStatements(t, 'ProviderRole', deployment()), 'cloudformation:');
    expect(statements).toEqual([
      {
        Sid: 'AuthenticateRequests',
        Effect: 'Allow',
        Action: ['cloudformation:DescribeStackResource', 'cloudformation:DescribeStacks', 'cloudformation:GetTemplate'],
        Resource: `arn:aws:cloudformation:eu-west-1:${ACCOUNT}:stack/*/*`,
      },
    ]);
  });

  it('grants exactly the provider actions that docs/security.md lists (plus its logs and the loader S3 reads)', () => {
    const doc = readFileSync(join(ROOT, 'docs', 'security.md'), 'utf8');
    const section = doc.split(/^## /m).find((s) => s.startsWith('AWS actions the provider calls'));
    expect(section).toBeDefined();
    const documented = [...new Set([...(section ?? '').matchAll(/`([a-z0-9-]+:[A-Za-z*]+)`/g)].map((m) => m[1]))];
    const granted = new Set(
      actionsOf(
        roleStatements(
          t,
          'ProviderRole',
          deployment({
            LoadBucketNames: 'b',
            ReplicaKmsKeyArns: KEY,
            LoadBucketKmsKeyArns: KEY,
            CopySourceTableArns: SOURCE,
            CopyBucketNames: 'c',
            CopyKmsKeyArns: KEY,
          }),
        ),
      ),
    );
    const glob = (pattern: string) => new RegExp(`^${pattern.replace(/\*/g, '[A-Za-z]*')}$`);
    for (const action of documented) expect([action, [...granted].some((g) => glob(action).test(g))]).toEqual([action, true]);
    const extra = [...granted].filter((g) => !documented.some((d) => glob(d).test(g)));
    expect(extra.sort()).toEqual(['logs:CreateLogStream', 'logs:PutLogEvents', 's3:GetObject', 's3:ListBucket']);
  });

  describe('distributed loads (issue 17)', () => {
    const loads = deployment({ LoadBucketNames: 'seed,more', ProviderFunctionName: 'my-provider' });
    const machineArn = `arn:aws:states:eu-west-1:${ACCOUNT}:stateMachine:my-provider-load`;

    it('makes the state machine and its role only with load buckets', () => {
      for (const id of ['LoadStateMachine', 'LoadStateMachineRole']) expect([id, t.Resources[id].Condition]).toEqual([id, 'HasLoadBuckets']);
      const none = roleStatements(t, 'ProviderRole', deployment());
      expect(statementsWith(none, 'states:')).toEqual([]);
    });

    it('lets the provider write manifests only under arc-dynamodb/.distributed/ and start, watch and redrive only its own state machine', () => {
      const statements = roleStatements(t, 'ProviderRole', loads);
      expect(statements.filter((s) => ['WriteLoadManifests', 'RunDistributedLoads', 'WatchDistributedLoads'].includes(String(s.Sid)))).toEqual([
        {
          Sid: 'WriteLoadManifests',
          Effect: 'Allow',
          Action: 's3:PutObject',
          Resource: ['arn:aws:s3:::seed/arc-dynamodb/.distributed/*', 'arn:aws:s3:::more/arc-dynamodb/.distributed/*'],
        },
        { Sid: 'RunDistributedLoads', Effect: 'Allow', Action: 'states:StartExecution', Resource: machineArn },
        {
          Sid: 'WatchDistributedLoads',
          Effect: 'Allow',
          Action: ['states:DescribeExecution', 'states:RedriveExecution', 'states:StopExecution'],
          Resource: `arn:aws:states:eu-west-1:${ACCOUNT}:execution:my-provider-load:*`,
        },
      ]);
      // No other statement of the provider's names Step Functions, and nothing else writes to a load bucket.
      expect(statementsWith(statements, 'states:').map((s) => s.Sid)).toEqual(['RunDistributedLoads', 'WatchDistributedLoads']);
    });

    it("gives the state machine a role of its own: only the provider as its task, only its Map's child executions, only the manifests and results", () => {
      const role = t.Resources.LoadStateMachineRole.Properties as { AssumeRolePolicyDocument: { Statement: Statement[] } };
      expect(role.AssumeRolePolicyDocument.Statement).toEqual([
        {
          Effect: 'Allow',
          Principal: { Service: 'states.amazonaws.com' },
          Action: 'sts:AssumeRole',
          Condition: { StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } } },
        },
      ]);
      expect(roleStatements(t, 'LoadStateMachineRole', loads)).toEqual([
        { Sid: 'InvokeProviderWorker', Effect: 'Allow', Action: 'lambda:InvokeFunction', Resource: `arn:aws:lambda:eu-west-1:${ACCOUNT}:function:my-provider` },
        { Sid: 'RunOwnChildExecutions', Effect: 'Allow', Action: 'states:StartExecution', Resource: machineArn },
        {
          Sid: 'ManageOwnChildExecutions',
          Effect: 'Allow',
          Action: ['states:DescribeExecution', 'states:StopExecution', 'states:RedriveExecution'],
          Resource: `arn:aws:states:eu-west-1:${ACCOUNT}:execution:my-provider-load/ArcDynamoDbLoad:*`,
        },
        {
          Sid: 'ManifestsAndResults',
          Effect: 'Allow',
          Action: ['s3:GetObject', 's3:PutObject', 's3:ListMultipartUploadParts', 's3:AbortMultipartUpload'],
          Resource: ['arn:aws:s3:::seed/arc-dynamodb/.distributed/*', 'arn:aws:s3:::more/arc-dynamodb/.distributed/*'],
        },
      ]);
      const kms = roleStatements(t, 'LoadStateMachineRole', deployment({ LoadBucketNames: 'seed', LoadBucketKmsKeyArns: KEY }));
      expect(kms.filter((s) => s.Sid === 'ManifestsAndResultsKms')).toEqual([
        {
          Sid: 'ManifestsAndResultsKms',
          Effect: 'Allow',
          Action: ['kms:Decrypt', 'kms:GenerateDataKey'],
          Resource: [KEY],
          Condition: { StringEquals: { 'kms:ViaService': ['s3.eu-west-1.amazonaws.com', 's3.eu-west-1.amazonaws.com.cn'] } },
        },
      ]);
    });

    it('deploys exactly the definition in provider/load/distributed/, its one task the provider function, under the name the policies use', () => {
      const m = t.Resources.LoadStateMachine.Properties as Record<string, unknown>;
      const file = JSON.parse(readFileSync(join(ROOT, 'provider/load/distributed/state-machine.asl.json'), 'utf8'));
      expect(m.Definition).toEqual(file);
      expect(m.DefinitionSubstitutions).toEqual({ ProviderFunctionArn: { 'Fn::GetAtt': ['ProviderFunction', 'Arn'] } });
      expect(m.StateMachineName).toEqual({ 'Fn::Sub': '${ProviderFunctionName}-load' });
      expect(m.RoleArn).toEqual({ 'Fn::GetAtt': ['LoadStateMachineRole', 'Arn'] });
      expect(m.StateMachineType).toBe('STANDARD');
    });
  });
});

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT, list, roleStatements, samTranslate, type CfnTemplate, type Deployment, type Statement } from './sam-template';

const ACCOUNT = '123456789012';
const deployment = (parameters: Record<string, string> = {}, partition = 'aws'): Deployment => ({ parameters, partition, region: 'eu-west-1', accountId: ACCOUNT });

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
    expect(roles.map(([id]) => id).sort()).toEqual(['MacroRole', 'ProviderRole']);
    for (const [, r] of roles) expect(r.Properties?.ManagedPolicyArns).toBeUndefined();
  });

  it('lets the macro write only its own logs', () => {
    expect(roleStatements(t, 'MacroRole', deployment())).toEqual([
      { Sid: 'WriteOwnLogs', Effect: 'Allow', Action: ['logs:CreateLogStream', 'logs:PutLogEvents'], Resource: '<MacroLogGroup.Arn>' },
    ]);
  });

  it('grants no wildcard action (no dynamodb:*, no service:*) and uses no NotAction or NotResource', () => {
    const statements = roleStatements(t, 'ProviderRole', deployment({ LoadBucketNames: 'b1', ReplicaKmsKeyArns: 'arn:aws:kms:us-east-1:1:key/k' }));
    for (const a of actionsOf(statements)) expect(a).not.toMatch(/\*/);
    expect(actionsOf(statements)).not.toContain('dynamodb:*');
    for (const s of statements) {
      expect(s.Effect).toBe('Allow');
      expect(Object.keys(s).sort()).toEqual(expect.arrayContaining(['Action', 'Effect', 'Resource']));
      expect(s).not.toHaveProperty('NotAction');
      expect(s).not.toHaveProperty('NotResource');
    }
  });

  it('scopes every DynamoDB action to tables of this account whose names start with TableNamePrefix, in any region', () => {
    const statements = statementsWith(roleStatements(t, 'ProviderRole', deployment({ TableNamePrefix: 'app-' })), 'dynamodb:');
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

  it('with the default TableNamePrefix "*" still limits DynamoDB to the account (documented default)', () => {
    expect(t.Parameters?.TableNamePrefix.Default).toBe('*');
    const statements = statementsWith(roleStatements(t, 'ProviderRole', deployment()), 'dynamodb:');
    for (const r of statements.flatMap((s) => list(s.Resource))) expect(r.startsWith(`arn:aws:dynamodb:*:${ACCOUNT}:table/*`)).toBe(true);
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
    expect(s.Condition).toEqual({ StringEquals: { 'iam:AWSServiceName': ['replication.dynamodb.amazonaws.com', 'dynamodb.application-autoscaling.amazonaws.com'] } });
  });

  it('grants no S3 access at all when LoadBucketNames is empty (the default)', () => {
    expect(t.Parameters?.LoadBucketNames.Default).toBe('');
    expect(statementsWith(roleStatements(t, 'ProviderRole', deployment()), 's3:')).toEqual([]);
  });

  it('limits S3 to reading the named load buckets and their objects', () => {
    const statements = statementsWith(roleStatements(t, 'ProviderRole', deployment({ LoadBucketNames: 'seed-data,exports' })), 's3:');
    expect(statements).toHaveLength(1);
    expect(list(statements[0].Action).sort()).toEqual(['s3:GetBucketLocation', 's3:GetObject', 's3:ListBucket']);
    expect(list(statements[0].Resource).sort()).toEqual(['arn:aws:s3:::exports', 'arn:aws:s3:::exports/*', 'arn:aws:s3:::seed-data', 'arn:aws:s3:::seed-data/*']);
  });

  it('uses the partition of the deployment in S3 ARNs (aws-cn, aws-us-gov)', () => {
    for (const partition of ['aws-cn', 'aws-us-gov']) {
      const [s] = statementsWith(roleStatements(t, 'ProviderRole', deployment({ LoadBucketNames: 'seed' }, partition)), 's3:');
      expect(list(s.Resource).sort()).toEqual([`arn:${partition}:s3:::seed`, `arn:${partition}:s3:::seed/*`]);
    }
  });

  it('lets the provider invoke only itself', () => {
    const statements = statementsWith(roleStatements(t, 'ProviderRole', deployment({ ProviderFunctionName: 'my-provider' })), 'lambda:');
    expect(statements).toHaveLength(1);
    expect(statements[0].Action).toBe('lambda:InvokeFunction');
    expect(statements[0].Resource).toBe(`arn:aws:lambda:eu-west-1:${ACCOUNT}:function:my-provider`);
  });

  it('scopes CloudWatch to alarms of this account and logs to the provider log group', () => {
    const statements = roleStatements(t, 'ProviderRole', deployment());
    for (const s of statementsWith(statements, 'cloudwatch:')) expect(s.Resource).toBe(`arn:aws:cloudwatch:*:${ACCOUNT}:alarm:*`);
    const logs = statementsWith(statements, 'logs:');
    expect(logs).toEqual([{ Sid: 'WriteOwnLogs', Effect: 'Allow', Action: ['logs:CreateLogStream', 'logs:PutLogEvents'], Resource: '<ProviderLogGroup.Arn>' }]);
  });

  it('uses "Resource": "*" only for Application Auto Scaling, which has no resource-level permissions', () => {
    const statements = roleStatements(t, 'ProviderRole', deployment());
    const starred = statements.filter((s) => list(s.Resource).includes('*'));
    expect(starred.flatMap((s) => list(s.Action)).every((a) => a.startsWith('application-autoscaling:'))).toBe(true);
  });

  it('grants KMS only on the keys named by ReplicaKmsKeyArns, and none by default', () => {
    expect(statementsWith(roleStatements(t, 'ProviderRole', deployment()), 'kms:')).toEqual([]);
    const key = 'arn:aws:kms:eu-central-1:123456789012:key/1111-2222';
    const [s] = statementsWith(roleStatements(t, 'ProviderRole', deployment({ ReplicaKmsKeyArns: key })), 'kms:');
    expect(s.Resource).toEqual([key]);
  });

  it('grants exactly the provider actions that docs/security.md lists (plus its logs and the loader S3 reads)', () => {
    const doc = readFileSync(join(ROOT, 'docs', 'security.md'), 'utf8');
    const section = doc.split(/^## /m).find((s) => s.startsWith('AWS actions the provider calls'));
    expect(section).toBeDefined();
    const documented = [...new Set([...(section ?? '').matchAll(/`([a-z0-9-]+:[A-Za-z*]+)`/g)].map((m) => m[1]))];
    const granted = new Set(actionsOf(roleStatements(t, 'ProviderRole', deployment({ LoadBucketNames: 'b', ReplicaKmsKeyArns: 'arn:aws:kms:us-east-1:1:key/k' }))));
    const glob = (pattern: string) => new RegExp(`^${pattern.replace(/\*/g, '[A-Za-z]*')}$`);
    for (const action of documented) expect([action, [...granted].some((g) => glob(action).test(g))]).toEqual([action, true]);
    const extra = [...granted].filter((g) => !documented.some((d) => glob(d).test(g)));
    expect(extra.sort()).toEqual(['logs:CreateLogStream', 'logs:PutLogEvents', 's3:GetBucketLocation', 's3:GetObject', 's3:ListBucket']);
  });
});

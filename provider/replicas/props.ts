/**
 * `Custom::ArcDynamoDbReplicas` properties (contract/resources.ts), parsed at the boundary: every
 * scalar arrives as a string from CloudFormation, so booleans and numbers are parsed here, once.
 */
import {
  CONSISTENCY_MODES,
  dict,
  type ReplicaIndexProps,
  type ReplicaProps,
  type ReplicasResourceProps,
  type ScalingSettingsProps,
} from '../../contract/resources';
import { PropertyError, asBool, asEnum, asInt, asList, asNumber, asObject, asString, optBool, optInt, optString } from '../protocol/parse';

export type ReplicasProps = ReplicasResourceProps;

const TABLE_NAME = /^[a-zA-Z0-9_.-]{3,255}$/;
const REGION = /^[a-z]{2}(-[a-z]+)+-\d{1,2}$/;
const INDEX_NAME = /^[a-zA-Z0-9_.-]{3,255}$/;
const TABLE_CLASSES = ['STANDARD', 'STANDARD_INFREQUENT_ACCESS'] as const;
/** arn:<partition>:kms:<region>:<account>:key/<key id> (a multi-Region key's ID starts with mrk-). */
const KMS_KEY_ARN = /^arn:aws[a-z-]*:kms:([a-z]{2}(?:-[a-z]+)+-\d{1,2}):\d{12}:key\/[A-Za-z0-9-]{1,128}$/;

/**
 * A replica's KMS key must be given as a key ARN in the replica's region. DynamoDB accepts a key
 * ID, ARN, alias name or alias ARN, but DescribeTable reports the key ARN
 * (cloudformation-coverage-roadmap#1802), so any other form never matches what is observed and
 * would be re-applied on every reconcile; and the key must be in the replica's region
 * (CreateReplicationGroupMemberAction, DynamoDB API reference).
 */
function kmsKeyArn(v: unknown, path: string, region: string): string | undefined {
  const kms = optString(v, path, { max: 2048 });
  if (kms === undefined) return undefined;
  const m = KMS_KEY_ARN.exec(kms);
  if (!m) {
    throw new PropertyError(
      path,
      `must be a KMS key ARN (arn:<partition>:kms:<region>:<account>:key/<key id>), got '${kms.slice(0, 120)}': DynamoDB reports a replica's key as ` +
        `its key ARN, so an alias or key ID would never match and be re-applied on every update`,
    );
  }
  if (m[1] !== region) throw new PropertyError(path, `names a key in ${m[1]}, but a replica's key must be in the replica's own region (${region})`);
  return kms;
}

function scaling(v: unknown, path: string): ScalingSettingsProps {
  const o = asObject(v, path);
  const s = {
    MinCapacity: asInt(o.MinCapacity, `${path}.MinCapacity`, 1, 1_000_000),
    MaxCapacity: asInt(o.MaxCapacity, `${path}.MaxCapacity`, 1, 1_000_000),
    TargetValue: asNumber(o.TargetValue, `${path}.TargetValue`, 1, 100),
    ScaleInCooldown: o.ScaleInCooldown === undefined ? 0 : asInt(o.ScaleInCooldown, `${path}.ScaleInCooldown`, 0, 86_400),
    ScaleOutCooldown: o.ScaleOutCooldown === undefined ? 0 : asInt(o.ScaleOutCooldown, `${path}.ScaleOutCooldown`, 0, 86_400),
  };
  if (s.MinCapacity > s.MaxCapacity) throw new PropertyError(`${path}.MinCapacity`, `(${s.MinCapacity}) must not exceed MaxCapacity (${s.MaxCapacity})`);
  return s;
}

function readWrite(v: unknown, path: string): { Read?: ScalingSettingsProps; Write?: ScalingSettingsProps } {
  const o = asObject(v, path);
  return {
    ...(o.Read !== undefined ? { Read: scaling(o.Read, `${path}.Read`) } : {}),
    ...(o.Write !== undefined ? { Write: scaling(o.Write, `${path}.Write`) } : {}),
  };
}

function replica(v: unknown, path: string): ReplicaProps {
  const o = asObject(v, path);
  const r: ReplicaProps = {
    RegionName: asString(o.RegionName, `${path}.RegionName`, { max: 30, pattern: REGION, what: 'an AWS region name such as eu-west-1' }),
    PropagateTags: o.PropagateTags === undefined ? false : asBool(o.PropagateTags, `${path}.PropagateTags`),
    PointInTimeRecoveryEnabled: o.PointInTimeRecoveryEnabled === undefined ? false : asBool(o.PointInTimeRecoveryEnabled, `${path}.PointInTimeRecoveryEnabled`),
  };
  const kms = kmsKeyArn(o.KmsKeyArn, `${path}.KmsKeyArn`, r.RegionName);
  if (kms !== undefined) r.KmsKeyArn = kms;
  const period = optInt(o.PointInTimeRecoveryPeriodInDays, `${path}.PointInTimeRecoveryPeriodInDays`, 1, 35);
  if (period !== undefined) r.PointInTimeRecoveryPeriodInDays = period;
  if (o.TableClass !== undefined) r.TableClass = asEnum(o.TableClass, `${path}.TableClass`, TABLE_CLASSES);
  const dp = optBool(o.DeletionProtectionEnabled, `${path}.DeletionProtectionEnabled`);
  if (dp !== undefined) r.DeletionProtectionEnabled = dp;
  const ci = optBool(o.ContributorInsightsEnabled, `${path}.ContributorInsightsEnabled`);
  if (ci !== undefined) r.ContributorInsightsEnabled = ci;
  const rc = optInt(o.ReadCapacity, `${path}.ReadCapacity`, 1, 1_000_000);
  if (rc !== undefined) r.ReadCapacity = rc;
  const mr = optInt(o.MaxReadRequestUnits, `${path}.MaxReadRequestUnits`, -1, 1_000_000_000);
  if (mr !== undefined) r.MaxReadRequestUnits = mr;
  if (o.ContributorInsightsMode !== undefined) r.ContributorInsightsMode = asEnum(o.ContributorInsightsMode, `${path}.ContributorInsightsMode`, INSIGHTS_MODES);
  if (o.GlobalSecondaryIndexes !== undefined) {
    const indexes = asList(o.GlobalSecondaryIndexes, `${path}.GlobalSecondaryIndexes`, 20).map((x, i) =>
      replicaIndex(x, `${path}.GlobalSecondaryIndexes[${i}]`),
    );
    const seen = new Set<string>();
    indexes.forEach((g, i) => {
      if (seen.has(g.IndexName)) throw new PropertyError(`${path}.GlobalSecondaryIndexes[${i}].IndexName`, `names ${g.IndexName} twice`);
      seen.add(g.IndexName);
    });
    r.GlobalSecondaryIndexes = indexes;
  }
  return r;
}

const INSIGHTS_MODES = ['ACCESSED_AND_THROTTLED_KEYS', 'THROTTLED_KEYS'] as const;

function replicaIndex(v: unknown, path: string): ReplicaIndexProps {
  const o = asObject(v, path);
  const g: ReplicaIndexProps = { IndexName: asString(o.IndexName, `${path}.IndexName`, { max: 255, pattern: INDEX_NAME, what: 'an index name' }) };
  const ci = optBool(o.ContributorInsightsEnabled, `${path}.ContributorInsightsEnabled`);
  if (ci !== undefined) g.ContributorInsightsEnabled = ci;
  if (o.ContributorInsightsMode !== undefined) g.ContributorInsightsMode = asEnum(o.ContributorInsightsMode, `${path}.ContributorInsightsMode`, INSIGHTS_MODES);
  const rc = optInt(o.ReadCapacity, `${path}.ReadCapacity`, 1, 1_000_000);
  if (rc !== undefined) g.ReadCapacity = rc;
  const mr = optInt(o.MaxReadRequestUnits, `${path}.MaxReadRequestUnits`, -1, 1_000_000_000);
  if (mr !== undefined) g.MaxReadRequestUnits = mr;
  return g;
}

export function parseReplicasProps(raw: unknown): ReplicasProps {
  const o = asObject(raw, 'ResourceProperties');
  const billing = asEnum(o.BillingMode, 'BillingMode', ['PAY_PER_REQUEST', 'PROVISIONED'] as const);
  const replicas = asList(o.Replicas, 'Replicas', 50).map((r, i) => replica(r, `Replicas[${i}]`));
  const seen = new Set<string>();
  replicas.forEach((r, i) => {
    if (seen.has(r.RegionName)) throw new PropertyError(`Replicas[${i}].RegionName`, `names ${r.RegionName} twice`);
    seen.add(r.RegionName);
    if (r.ReadCapacity !== undefined && billing !== 'PROVISIONED')
      throw new PropertyError(`Replicas[${i}].ReadCapacity`, 'applies only to PROVISIONED tables; use MaxReadRequestUnits for PAY_PER_REQUEST');
    if (r.MaxReadRequestUnits !== undefined && billing !== 'PAY_PER_REQUEST')
      throw new PropertyError(`Replicas[${i}].MaxReadRequestUnits`, 'applies only to PAY_PER_REQUEST tables; use ReadCapacity for PROVISIONED');
    (r.GlobalSecondaryIndexes ?? []).forEach((g, j) => {
      const at = `Replicas[${i}].GlobalSecondaryIndexes[${j}]`;
      if (g.ReadCapacity !== undefined && billing !== 'PROVISIONED')
        throw new PropertyError(`${at}.ReadCapacity`, 'applies only to PROVISIONED tables; use MaxReadRequestUnits for PAY_PER_REQUEST');
      if (g.MaxReadRequestUnits !== undefined && billing !== 'PAY_PER_REQUEST')
        throw new PropertyError(`${at}.MaxReadRequestUnits`, 'applies only to PAY_PER_REQUEST tables; use ReadCapacity for PROVISIONED');
    });
  });
  const consistency = o.MultiRegionConsistency === undefined ? 'EVENTUAL' : asEnum(o.MultiRegionConsistency, 'MultiRegionConsistency', CONSISTENCY_MODES);
  const witnesses = (o.GlobalTableWitnesses === undefined ? [] : asList(o.GlobalTableWitnesses, 'GlobalTableWitnesses', 1)).map((w, i) => ({
    Region: asString(asObject(w, `GlobalTableWitnesses[${i}]`).Region, `GlobalTableWitnesses[${i}].Region`, {
      max: 30,
      pattern: REGION,
      what: 'an AWS region name such as us-west-2',
    }),
  }));
  if (witnesses.length > 0 && consistency !== 'STRONG')
    throw new PropertyError('GlobalTableWitnesses', 'needs MultiRegionConsistency STRONG: a witness belongs to a multi-Region strongly consistent table only');
  const props: ReplicasProps = {
    ServiceToken: typeof o.ServiceToken === 'string' ? o.ServiceToken : '',
    ServiceTimeout: o.ServiceTimeout === undefined ? 3600 : asInt(o.ServiceTimeout, 'ServiceTimeout', 1, 3600),
    TableName: asString(o.TableName, 'TableName', { max: 255, pattern: TABLE_NAME, what: 'a DynamoDB table name (3-255 of a-z A-Z 0-9 _ . -)' }),
    BillingMode: billing,
    Replicas: replicas,
    ...(consistency === 'STRONG' ? { MultiRegionConsistency: consistency } : {}),
    ...(witnesses.length > 0 ? { GlobalTableWitnesses: witnesses } : {}),
    Tags: (o.Tags === undefined ? [] : asList(o.Tags, 'Tags', 50)).map((t, i) => {
      const to = asObject(t, `Tags[${i}]`);
      const value = to.Value === '' ? '' : asString(to.Value, `Tags[${i}].Value`, { max: 256 });
      return { Key: asString(to.Key, `Tags[${i}].Key`, { max: 128 }), Value: value };
    }),
    WaitForReplication: o.WaitForReplication === undefined ? true : asBool(o.WaitForReplication, 'WaitForReplication'),
    RetainOnDelete: o.RetainOnDelete === undefined ? true : asBool(o.RetainOnDelete, 'RetainOnDelete'),
  };
  if (o.RetainOnReplace !== undefined) props.RetainOnReplace = asBool(o.RetainOnReplace, 'RetainOnReplace');
  if (o.RetainExceptOnCreate !== undefined) props.RetainExceptOnCreate = asBool(o.RetainExceptOnCreate, 'RetainExceptOnCreate');
  const tableLogicalId = optString(o.TableLogicalId, 'TableLogicalId', { max: 255, pattern: /^[A-Za-z0-9]+$/, what: 'a logical ID' });
  if (tableLogicalId !== undefined) props.TableLogicalId = tableLogicalId;
  if (o.Autoscaling !== undefined) {
    const a = asObject(o.Autoscaling, 'Autoscaling');
    const rw = readWrite(a, 'Autoscaling');
    const indexes: Record<string, { Read?: ScalingSettingsProps; Write?: ScalingSettingsProps }> = dict();
    if (a.Indexes !== undefined) {
      for (const [name, v] of Object.entries(asObject(a.Indexes, 'Autoscaling.Indexes'))) {
        if (!INDEX_NAME.test(name)) throw new PropertyError(`Autoscaling.Indexes.${name.slice(0, 60)}`, 'is not a valid index name');
        indexes[name] = readWrite(v, `Autoscaling.Indexes.${name}`);
      }
    }
    props.Autoscaling = { ...rw, ...(Object.keys(indexes).length ? { Indexes: indexes } : {}) };
  }
  const adopt = optString(o.AdoptExistingTable, 'AdoptExistingTable', { max: 255, pattern: TABLE_NAME, what: 'a DynamoDB table name' });
  if (adopt !== undefined) props.AdoptExistingTable = adopt;
  return props;
}

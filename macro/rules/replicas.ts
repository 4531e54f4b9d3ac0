/**
 * Replica regions (validated here, expanded by the replicas generator into Custom::ArcDynamoDbReplicas).
 * Global tables version 2019.11.21: a region holds at most one replica, the home region is the
 * table itself, replication reads the table's stream with NEW_AND_OLD_IMAGES, and a replicated
 * table is on-demand or provisioned with write autoscaling (DynamoDB developer guide, "Global
 * tables: how it works" and "Best practices: throughput").
 */
import { joinPath } from '../errors';
import { isIntrinsic } from '../model/values';
import { reporter, type Rule } from './types';

type Raw = Record<string, unknown>;

export const replicaRegionsAreDistinctAndRemote: Rule = ({ model, region }) => {
  const r = reporter(model);
  const seen = new Set<string>();
  model.replicas.forEach((rep, i) => {
    const path = joinPath('ReplicaRegions', i, 'RegionName');
    if (!/^[a-z]{2}(-[a-z]+)+-[0-9]+$/.test(rep.regionName)) r.error(path, `'${rep.regionName}' is not a region name such as us-west-2`);
    else if (rep.regionName === region) r.error(path, `is the stack's own region (${region}); the table itself is the replica there`);
    else if (seen.has(rep.regionName)) r.error(path, `'${rep.regionName}' is listed more than once; a region holds at most one replica`);
    seen.add(rep.regionName);
    // DescribeTable reports a replica's key as its ARN, whatever form UpdateTable was given (key ID,
    // alias name or alias ARN; cloudformation-coverage-roadmap#1802), so only an ARN can be
    // compared and kept in sync; an alias would be re-applied on every deploy.
    const kms = rep.kmsKeyArn;
    if (typeof kms === 'string' && !KMS_KEY_ARN.test(kms)) {
      r.error(joinPath('ReplicaRegions', i, 'KmsKeyArn'), `must be a key ARN (arn:aws:kms:<region>:<account>:key/<key-id>), not a key ID or an alias: DynamoDB reports the key ARN, so anything else never matches; got '${kms.slice(0, 200)}'`);
    } else if (typeof kms === 'string' && KMS_KEY_ARN.exec(kms)?.[1] !== rep.regionName) {
      // KMS keys are regional, and each replica is encrypted with a key of its own region
      // (AWS::DynamoDB::GlobalTable, ReplicaSSESpecification.KMSMasterKeyId).
      r.error(joinPath('ReplicaRegions', i, 'KmsKeyArn'), `is a key in ${KMS_KEY_ARN.exec(kms)?.[1]}, but a replica's key must be in the replica's own region (${rep.regionName})`);
    }
  });
  return r.errors;
};

const KMS_KEY_ARN = /^arn:aws[a-z-]*:kms:([a-z0-9-]+):\d{12}:key\/[A-Za-z0-9-]+$/;

export const replicasNeedNewAndOldImages: Rule = ({ model, properties: p }) => {
  const r = reporter(model);
  if (!model.replicasDeclared) return r.errors;
  if (p.StreamEnabled === false || p.StreamEnabled === 'false') {
    r.error('StreamEnabled', 'must not be false with ReplicaRegions: replication reads the table\'s stream (NEW_AND_OLD_IMAGES)');
  }
  const view = p.StreamViewType;
  if (view !== undefined && view !== 'NEW_AND_OLD_IMAGES' && !isIntrinsic(view)) {
    r.error('StreamViewType', `must be NEW_AND_OLD_IMAGES with ReplicaRegions (replication needs both images); got ${String(view)}`);
  }
  return r.errors;
};

export const replicaCapacityMatchesBillingMode: Rule = ({ model, properties: p }) => {
  const r = reporter(model);
  if (isIntrinsic(p.BillingMode)) return r.errors;
  const raws = Array.isArray(p.ReplicaRegions) ? (p.ReplicaRegions as Raw[]) : [];
  raws.forEach((raw, i) => {
    if (model.billingMode === 'PROVISIONED' && raw.MaxReadRequestUnits !== undefined) {
      r.error(joinPath('ReplicaRegions', i, 'MaxReadRequestUnits'), 'is only allowed when BillingMode is PAY_PER_REQUEST (use ReadCapacity)');
    }
    if (model.billingMode === 'PAY_PER_REQUEST' && raw.ReadCapacity !== undefined) {
      r.error(joinPath('ReplicaRegions', i, 'ReadCapacity'), 'is only allowed when BillingMode is PROVISIONED (use MaxReadRequestUnits)');
    }
  });
  return r.errors;
};

export const provisionedReplicasNeedWriteAutoscaling: Rule = ({ model }) => {
  const r = reporter(model);
  if (model.replicas.length > 0 && model.billingMode === 'PROVISIONED' && !model.autoscaling?.write) {
    r.error('ReplicaRegions', 'need write autoscaling on a PROVISIONED table (AutoscalingEnabled: true with AutoscalingWrite): a global table is on-demand or autoscales its writes');
  }
  return r.errors;
};

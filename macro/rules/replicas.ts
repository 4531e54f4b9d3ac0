/**
 * Replica regions (validated here, expanded by the replicas generator into Custom::ArcDynamoDbReplicas).
 * Global tables version 2019.11.21: a region holds at most one replica, the home region is the
 * table itself, replication reads the table's stream with NEW_AND_OLD_IMAGES, and a replicated
 * table is on-demand or provisioned with write autoscaling (DynamoDB developer guide, "Global
 * tables: how it works" and "Best practices: throughput").
 */
import { mrscRegionProblems } from '../../contract/resources';
import { joinPath } from '../errors';
import type { ReplicaModel } from '../model/types';
import { isIntrinsic, isObject } from '../model/values';
import { at, gsiNames, literalBoolean, rawItems, type Check, type RuleInput } from './types';

const REGION_NAME = /^[a-z]{2}(-[a-z]+)+-[0-9]+$/;
const KMS_KEY_ARN = /^arn:aws[a-z-]*:kms:([a-z0-9-]+):\d{12}:key\/[A-Za-z0-9-]+$/;
const regionPath = (rep: ReplicaModel, all: readonly ReplicaModel[]) => joinPath('ReplicaRegions', at(rep, all), 'RegionName');

export const replicaRegionNames: Check = ({ model }, r) => {
  for (const rep of model.replicas)
    if (!REGION_NAME.test(rep.regionName)) r.error(regionPath(rep, model.replicas), `'${rep.regionName}' is not a region name such as us-west-2`);
};

export const replicaRegionsAreRemote: Check = ({ model, region }, r) => {
  for (const rep of model.replicas) {
    if (rep.regionName === region) r.error(regionPath(rep, model.replicas), `is the stack's own region (${region}); the table itself is the replica there`);
  }
};

export const replicaRegionsAreUnique: Check = ({ model, region }, r) => {
  const seen = new Set<string>();
  for (const rep of model.replicas) {
    if (!REGION_NAME.test(rep.regionName) || rep.regionName === region) continue; // reported by the rules above
    if (seen.has(rep.regionName)) r.error(regionPath(rep, model.replicas), `'${rep.regionName}' is listed more than once; a region holds at most one replica`);
    seen.add(rep.regionName);
  }
};

// DescribeTable reports a replica's key as its ARN, whatever form UpdateTable was given (key ID,
// alias name or alias ARN; cloudformation-coverage-roadmap#1802), so only an ARN can be
// compared and kept in sync; an alias would be re-applied on every deploy.
export const replicaKmsKeyArns: Check = ({ model }, r) => {
  for (const rep of model.replicas) {
    const kms = rep.kmsKeyArn;
    if (typeof kms === 'string' && !KMS_KEY_ARN.test(kms)) {
      r.error(
        joinPath('ReplicaRegions', at(rep, model.replicas), 'KmsKeyArn'),
        `must be a key ARN (arn:aws:kms:<region>:<account>:key/<key-id>), not a key ID or an alias: DynamoDB reports the key ARN, so anything else ` +
          `never matches; got '${kms.slice(0, 200)}'`,
      );
    }
  }
};

// KMS keys are regional, and each replica is encrypted with a key of its own region
// (AWS::DynamoDB::GlobalTable, ReplicaSSESpecification.KMSMasterKeyId).
export const replicaKmsKeyRegions: Check = ({ model }, r) => {
  for (const rep of model.replicas) {
    const keyRegion = typeof rep.kmsKeyArn === 'string' ? KMS_KEY_ARN.exec(rep.kmsKeyArn)?.[1] : undefined;
    if (keyRegion !== undefined && keyRegion !== rep.regionName) {
      r.error(
        joinPath('ReplicaRegions', at(rep, model.replicas), 'KmsKeyArn'),
        `is a key in ${keyRegion}, but a replica's key must be in the replica's own region (${rep.regionName})`,
      );
    }
  }
};

export const replicasNeedStream: Check = ({ model, properties: p }, r) => {
  if (model.replicasDeclared && literalBoolean(p.StreamEnabled) === false) {
    r.error('StreamEnabled', "must not be false with ReplicaRegions: replication reads the table's stream (NEW_AND_OLD_IMAGES)");
  }
};

/**
 * The stream is forced to NEW_AND_OLD_IMAGES with replicas. Another view type is an error whether
 * it is a literal or a parameter's value: overriding it silently would give the stream's readers
 * images they did not ask for. (The parameter's value is not printed: it may be NoEcho.)
 */
export const replicasNeedNewAndOldImages: Check = ({ model, properties: p, params }, r) => {
  if (!model.replicasDeclared) return;
  const view = p.StreamViewType;
  if (view === undefined || view === 'NEW_AND_OLD_IMAGES') return;
  const why = 'must be NEW_AND_OLD_IMAGES with ReplicaRegions (replication needs both images)';
  if (!isIntrinsic(view)) {
    r.error('StreamViewType', `${why}; got ${String(view)}`);
    return;
  }
  const name = isObject(view) && typeof view.Ref === 'string' ? view.Ref : undefined;
  const value = name !== undefined && params && Object.prototype.hasOwnProperty.call(params, name) ? params[name] : undefined;
  // Any other outcome (not a parameter, a value no view type) is already an error of the value itself.
  if (typeof value === 'string' && value !== 'NEW_AND_OLD_IMAGES' && ['KEYS_ONLY', 'NEW_IMAGE', 'OLD_IMAGE'].includes(value)) {
    r.error('StreamViewType', `${why}; the value of parameter '${name}' is not (parameter values are never printed: they may be NoEcho)`);
  }
};

export const replicaCapacityMatchesBillingMode: Check = ({ model, properties: p, failed }, r) => {
  if (isIntrinsic(p.BillingMode) || failed.at('BillingMode')) return;
  rawItems(p.ReplicaRegions).forEach((raw, i) => {
    if (model.billingMode === 'PROVISIONED' && raw.MaxReadRequestUnits !== undefined) {
      r.error(joinPath('ReplicaRegions', i, 'MaxReadRequestUnits'), 'is only allowed when BillingMode is PAY_PER_REQUEST (use ReadCapacity)');
    }
    if (model.billingMode === 'PAY_PER_REQUEST' && raw.ReadCapacity !== undefined) {
      r.error(joinPath('ReplicaRegions', i, 'ReadCapacity'), 'is only allowed when BillingMode is PROVISIONED (use MaxReadRequestUnits)');
    }
    rawItems(raw.GlobalSecondaryIndexes).forEach((g, j) => {
      const path = joinPath('ReplicaRegions', i, 'GlobalSecondaryIndexes', j);
      if (model.billingMode === 'PROVISIONED' && g.MaxReadRequestUnits !== undefined)
        r.error(joinPath(path, 'MaxReadRequestUnits'), 'is only allowed when BillingMode is PAY_PER_REQUEST (use ReadCapacity)');
      if (model.billingMode === 'PAY_PER_REQUEST' && g.ReadCapacity !== undefined)
        r.error(joinPath(path, 'ReadCapacity'), 'is only allowed when BillingMode is PROVISIONED (use MaxReadRequestUnits)');
    });
  });
};

export const provisionedReplicasNeedWriteAutoscaling: Check = ({ model, failed }, r) => {
  if (['BillingMode', 'AutoscalingEnabled'].some((s) => failed.at(s)) || failed.touching('AutoscalingWrite')) return;
  if (model.replicas.length > 0 && model.billingMode === 'PROVISIONED' && !model.autoscaling?.write) {
    r.error(
      'ReplicaRegions',
      'need write autoscaling on a PROVISIONED table (AutoscalingEnabled: true with AutoscalingWrite): a global table is on-demand or autoscales its writes',
    );
  }
};

/**
 * For global tables version 2019.11.21 in provisioned mode, write capacity and write auto scaling
 * are managed for the table and its indexes across every replica (DynamoDB developer guide,
 * "Best practices and requirements for managing global tables"): an index without write auto
 * scaling has nothing for DynamoDB to keep in step (hashicorp/terraform-provider-aws#13097).
 */
export const provisionedReplicaIndexesNeedWriteAutoscaling: Check = ({ model, failed }, r) => {
  if (['BillingMode', 'AutoscalingEnabled'].some((s) => failed.at(s)) || failed.touching('GsiAutoscalingWrite') || failed.touching('GlobalSecondaryIndexes'))
    return;
  if (model.replicas.length === 0 || model.billingMode !== 'PROVISIONED' || !model.autoscaling?.write) return;
  model.globalSecondaryIndexes.forEach((g, i) => {
    if (!Object.prototype.hasOwnProperty.call(model.autoscaling?.gsiWrite ?? {}, g.name)) {
      r.error(
        `GlobalSecondaryIndexes[${i}]`,
        `'${g.name}' needs write autoscaling on a PROVISIONED table with replicas: add GsiAutoscalingWrite.${g.name} (DynamoDB keeps every ` +
          `replica's index writes in step through it)`,
      );
    }
  });
};

export const waitForReplicationNeedsReplicas: Check = ({ properties: p, failed }, r) => {
  if (p.WaitForReplication !== undefined && !isIntrinsic(p.ReplicaRegions) && !Array.isArray(p.ReplicaRegions) && !failed.touching('ReplicaRegions')) {
    r.error('WaitForReplication', 'is set but the table has no ReplicaRegions');
  }
};

/*
 * Multi-Region strong consistency (MRSC). Sources: DynamoDB developer guide, "How DynamoDB global
 * tables work", Consistency modes (V2globaltables_HowItWorks.html#V2globaltables_HowItWorks.consistency-modes):
 * the mode is chosen when the global table is created and cannot change afterwards; MRSC supports
 * neither Time to Live nor local secondary indexes, and is enabled on an empty table only (the
 * guide's MRSC example: "Table must be empty when enabling MRSC"). DynamoDB API reference,
 * CreateGlobalTableWitnessGroupMemberAction: "either three replicas, or with two replicas and one
 * witness"; "The witness must be in a different Region than the replicas and within the same
 * Region set" (US, EU, AP; contract/resources.ts MRSC_REGION_SETS).
 */
const strong = (model: RuleInput['model']) => model.multiRegionConsistency === 'STRONG';

/** MultiRegionConsistency and GlobalTableWitnesses describe a global table: they need ReplicaRegions, and a witness needs STRONG. */
export const consistencyNeedsReplicas: Check = ({ model, properties: p, failed }, r) => {
  if (failed.touching('ReplicaRegions')) return;
  if (!model.replicasDeclared && p.MultiRegionConsistency !== undefined && !failed.at('MultiRegionConsistency'))
    r.error('MultiRegionConsistency', 'is set but the table has no ReplicaRegions (the consistency mode is that of a global table)');
  if (p.GlobalTableWitnesses !== undefined && !failed.touching('GlobalTableWitnesses') && !failed.at('MultiRegionConsistency') && !strong(model)) {
    r.error('GlobalTableWitnesses', 'needs MultiRegionConsistency: STRONG: a witness is part of a multi-Region strongly consistent table only');
  }
};

/** Exactly three Regions, all in one Region set, the witness apart from the replicas (contract/resources.ts mrscRegionProblems). */
export const mrscRegions: Check = ({ model, region, failed }, r) => {
  if (!strong(model) || !model.replicasDeclared || failed.touching('ReplicaRegions') || failed.touching('GlobalTableWitnesses')) return;
  const problems = mrscRegionProblems(
    region,
    model.replicas.map((x) => x.regionName),
    model.witnesses.map((w) => w.region),
  );
  // ReplicaRegions: [] is how replicas are removed; a table with none is no MRSC table yet.
  if (model.replicas.length === 0 && model.witnesses.length === 0) return;
  for (const problem of problems) r.error('MultiRegionConsistency', `STRONG: the table (home Region ${region}) ${problem}`);
};

/** What MRSC does not support: Time to Live and local secondary indexes; and ImportTable or CopyFrom fills the table before its replicas exist. */
export const mrscUnsupportedFeatures: Check = ({ model, failed }, r) => {
  if (!strong(model) || failed.at('MultiRegionConsistency')) return;
  if (model.ttl) r.error('TtlEnabled', 'must not be true with MultiRegionConsistency: STRONG: MRSC global tables do not support Time to Live');
  if (model.localSecondaryIndexes.length > 0)
    r.error('LocalSecondaryIndexes', 'are not supported with MultiRegionConsistency: STRONG (MRSC global tables have no local secondary indexes)');
  // CopyFrom creates the table from an export (ImportSourceSpecification) just as ImportTable does.
  if ((model.importTable || model.copyFrom) && model.replicas.length > 0)
    r.error(
      model.importTable ? 'ImportTable' : 'CopyFrom',
      'fills the table before its replicas are created, but DynamoDB enables MultiRegionConsistency: STRONG only on an empty table; ' +
        'create the MRSC table first, then use Load',
    );
};

/** Each replica's GlobalSecondaryIndexes entry names a GSI of the table, at most once. */
export const replicaIndexesNameIndexes: Check = (input, r) => {
  const { names, complete } = gsiNames(input);
  for (const rep of input.model.replicas) {
    const seen = new Set<string>();
    for (const g of rep.indexes) {
      const path = joinPath('ReplicaRegions', at(rep, input.model.replicas), 'GlobalSecondaryIndexes', at(g, rep.indexes), 'IndexName');
      if (seen.has(g.indexName)) r.error(path, `'${g.indexName}' is listed more than once for this replica`);
      else if (complete && !names.includes(g.indexName))
        r.error(path, `'${g.indexName}' names no GlobalSecondaryIndexes entry${names.length ? ` (the table has ${names.join(', ')})` : ''}`);
      seen.add(g.indexName);
    }
  }
};

/** A per-replica ContributorInsightsMode (the replica's or an index's) needs insights on there (a parameter switch keeps it inert). */
export const replicaInsightsModeNeedsInsights: Check = ({ properties: p }, r) => {
  const needsOn = (raw: Record<string, unknown>, path: string, where: string) => {
    if (raw.ContributorInsightsMode === undefined || isIntrinsic(raw.ContributorInsightsEnabled)) return;
    if (literalBoolean(raw.ContributorInsightsEnabled) !== true)
      r.error(joinPath(path, 'ContributorInsightsMode'), `needs ContributorInsightsEnabled: true on ${where}`);
  };
  rawItems(p.ReplicaRegions).forEach((raw, i) => {
    needsOn(raw, joinPath('ReplicaRegions', i), 'this replica');
    rawItems(raw.GlobalSecondaryIndexes).forEach((g, j) => needsOn(g, joinPath('ReplicaRegions', i, 'GlobalSecondaryIndexes', j), 'this index'));
  });
};

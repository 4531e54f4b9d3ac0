/** Shared set-up for the provider's integration tests: moto_server, the replica simulator, the CloudFormation harness. */
import {
  CreateTableCommand,
  DescribeContinuousBackupsCommand,
  DescribeTableCommand,
  ListTagsOfResourceCommand,
  type DynamoDBClient,
} from '@aws-sdk/client-dynamodb';
import { DescribeScalableTargetsCommand, DescribeScalingPoliciesCommand, RegisterScalableTargetCommand } from '@aws-sdk/client-application-auto-scaling';
import { OWNER_TAG_KEY, type ReplicaProps } from '../../../contract/resources';
import { startMoto, type Moto } from '../../support/moto';
import { LIFECYCLE_FAULTS, NO_CONSISTENCY_FAULTS, startReplicaSimulator, type ReplicaSimulator } from '../../support/replica-simulator';
import { startCfnHarness, type CfnHarness, type HarnessOptions } from '../../support/cfn-harness';

export const HOME = 'us-east-1';
/** Every region the tests use: the home region and the replica regions. */
export const ALL_REGIONS = [HOME, 'eu-west-1', 'ap-southeast-2', 'ca-central-1'];

export interface World {
  moto: Moto;
  sim: ReplicaSimulator;
  cfn: CfnHarness;
  stop(): Promise<void>;
}

/**
 * For suites that check exact decisions and call counts against state they write straight to
 * moto: the simulator's stale windows do not see such writes (a stale read would be older than any
 * real one), so consistency faults are off there; AWS's lag is exercised in consistency.test.ts,
 * the attack suite and the lifecycle scenarios.
 */
export const EXACT_STATE = { consistencyFaults: false } as const;

export async function startWorld(opts: Partial<HarnessOptions> & { replicaDelayMs?: number; consistencyFaults?: boolean } = {}): Promise<World> {
  const moto = await startMoto();
  // AWS's eventual consistency is on in every lifecycle test: tag reads and DescribeTable lag
  // behind writes (test/support/replica-simulator/consistency.ts). `consistencyFaults: false`
  // turns it off, for suites that check a decision against state they write straight to moto.
  const sim = await startReplicaSimulator(moto, {
    replicaDelayMs: opts.replicaDelayMs ?? 300,
    consistencyFaults: opts.consistencyFaults === false ? NO_CONSISTENCY_FAULTS : LIFECYCLE_FAULTS,
  });
  const cfn = await startCfnHarness({ endpoint: sim.endpoint, stateEndpoint: moto.endpoint, homeRegion: HOME, ...opts });
  return {
    moto,
    sim,
    cfn,
    stop: async () => {
      await cfn.stop();
      await sim.stop();
      await moto.stop();
    },
  };
}

let counter = 0;
export const uniqueName = (base: string) => `${base}-${process.pid}-${++counter}`;

export async function createHomeTable(
  sim: ReplicaSimulator,
  name: string,
  opts: {
    ownerStackId?: string;
    billing?: 'PAY_PER_REQUEST' | 'PROVISIONED';
    stream?: 'NEW_AND_OLD_IMAGES' | 'KEYS_ONLY' | 'none';
    writeScaling?: boolean;
  } = {},
): Promise<void> {
  const billing = opts.billing ?? 'PAY_PER_REQUEST';
  const stream = opts.stream ?? 'NEW_AND_OLD_IMAGES';
  await sim.direct(HOME).send(
    new CreateTableCommand({
      TableName: name,
      AttributeDefinitions: [
        { AttributeName: 'pk', AttributeType: 'S' },
        { AttributeName: 'sk', AttributeType: 'N' },
        { AttributeName: 'gk', AttributeType: 'S' },
      ],
      KeySchema: [
        { AttributeName: 'pk', KeyType: 'HASH' },
        { AttributeName: 'sk', KeyType: 'RANGE' },
      ],
      GlobalSecondaryIndexes: [
        {
          IndexName: 'by-gk',
          KeySchema: [{ AttributeName: 'gk', KeyType: 'HASH' }],
          Projection: { ProjectionType: 'ALL' },
          ...(billing === 'PROVISIONED' ? { ProvisionedThroughput: { ReadCapacityUnits: 5, WriteCapacityUnits: 5 } } : {}),
        },
      ],
      BillingMode: billing,
      ...(billing === 'PROVISIONED' ? { ProvisionedThroughput: { ReadCapacityUnits: 5, WriteCapacityUnits: 5 } } : {}),
      ...(stream !== 'none' ? { StreamSpecification: { StreamEnabled: true, StreamViewType: stream } } : {}),
      Tags: opts.ownerStackId ? [{ Key: OWNER_TAG_KEY, Value: opts.ownerStackId }] : [],
    }),
  );
  if (opts.writeScaling) {
    await sim.directAutoscaling(HOME).send(
      new RegisterScalableTargetCommand({
        ServiceNamespace: 'dynamodb',
        ResourceId: `table/${name}`,
        ScalableDimension: 'dynamodb:table:WriteCapacityUnits',
        MinCapacity: 5,
        MaxCapacity: 50,
      }),
    );
  }
}

export function replicasProps(name: string, replicas: Partial<ReplicaProps>[], extra: Record<string, unknown> = {}): Record<string, unknown> {
  // As CloudFormation delivers them: every scalar a string.
  const stringify = (v: unknown): unknown =>
    Array.isArray(v)
      ? v.map(stringify)
      : v !== null && typeof v === 'object'
        ? Object.fromEntries(Object.entries(v).map(([k, x]) => [k, stringify(x)]))
        : typeof v === 'number' || typeof v === 'boolean'
          ? String(v)
          : v;
  return stringify({
    ServiceToken: 'arn:aws:lambda:us-east-1:123456789012:function:arc-dynamodb-provider',
    ServiceTimeout: 3600,
    TableName: name,
    BillingMode: 'PAY_PER_REQUEST',
    Replicas: replicas.map((r) => ({ PropagateTags: true, PointInTimeRecoveryEnabled: false, ...r })),
    Tags: [{ Key: 'team', Value: 'data' }],
    WaitForReplication: true,
    RetainOnDelete: false,
    ...extra,
  }) as Record<string, unknown>;
}

export interface RegionView {
  exists: boolean;
  status?: string;
  keySchema?: string;
  deletionProtection?: boolean;
  pitr?: string;
  pitrDays?: number;
  tags?: Record<string, string>;
  scalableTargets?: string[];
}

/** What moto (not the simulator) holds for the table in one region. */
export async function regionView(sim: ReplicaSimulator, region: string, name: string): Promise<RegionView> {
  const ddb: DynamoDBClient = sim.direct(region);
  let t;
  try {
    t = (await ddb.send(new DescribeTableCommand({ TableName: name }))).Table;
  } catch {
    return { exists: false };
  }
  const tags = Object.fromEntries(((await ddb.send(new ListTagsOfResourceCommand({ ResourceArn: t?.TableArn }))).Tags ?? []).map((x) => [x.Key, x.Value]));
  const pitr = (await ddb.send(new DescribeContinuousBackupsCommand({ TableName: name }))).ContinuousBackupsDescription?.PointInTimeRecoveryDescription;
  const targets = await sim.directAutoscaling(region).send(new DescribeScalableTargetsCommand({ ServiceNamespace: 'dynamodb' }));
  return {
    exists: true,
    status: t?.TableStatus,
    keySchema: JSON.stringify(t?.KeySchema),
    deletionProtection: t?.DeletionProtectionEnabled ?? false,
    pitr: pitr?.PointInTimeRecoveryStatus,
    pitrDays: pitr?.RecoveryPeriodInDays,
    tags: tags as Record<string, string>,
    scalableTargets: (targets.ScalableTargets ?? [])
      .filter((x) => x.ResourceId?.startsWith(`table/${name}`))
      .map((x) => `${x.ResourceId} ${x.ScalableDimension} ${x.MinCapacity}-${x.MaxCapacity}`)
      .sort(),
  };
}

export async function scalingPolicies(sim: ReplicaSimulator, region: string, name: string): Promise<string[]> {
  const out = await sim.directAutoscaling(region).send(new DescribeScalingPoliciesCommand({ ServiceNamespace: 'dynamodb' }));
  return (out.ScalingPolicies ?? [])
    .filter((p) => p.ResourceId?.startsWith(`table/${name}`))
    .map((p) => `${p.ResourceId} ${p.ScalableDimension} ${p.TargetTrackingScalingPolicyConfiguration?.TargetValue}`)
    .sort();
}

/** Which regions' backends hold the table (every region the tests use). */
export async function footprint(sim: ReplicaSimulator, name: string): Promise<Record<string, boolean>> {
  const out: Record<string, boolean> = {};
  for (const region of ALL_REGIONS) {
    try {
      await sim.direct(region).send(new DescribeTableCommand({ TableName: name }));
      out[region] = true;
    } catch {
      out[region] = false;
    }
  }
  return out;
}

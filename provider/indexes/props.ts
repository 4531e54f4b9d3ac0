/**
 * `Custom::ArcDynamoDbIndexes` and `Custom::ArcDynamoDbIndexesPrecheck` properties
 * (contract/resources.ts), parsed at the boundary: CloudFormation delivers every scalar as a string.
 * Limits are DynamoDB's (CreateTable / GlobalSecondaryIndex, API reference): index names of
 * 3-255 characters of a-z A-Z 0-9 _ . -, 1 to 4 HASH and up to 4 RANGE key elements, at most 20 indexes
 * by default quota, at most 20 projected non-key attributes per index list.
 */
import type { GsiProps, IndexesPrecheckResourceProps, IndexesResourceProps } from '../../contract/resources';
import { PropertyError, asBool, asEnum, asInt, asList, asObject, asString, optString } from '../protocol/parse';

export type IndexesProps = IndexesResourceProps;
export type PrecheckProps = IndexesPrecheckResourceProps;

const NAME = /^[a-zA-Z0-9_.-]{3,255}$/;
const TABLE_NAME = { max: 255, pattern: NAME, what: 'a DynamoDB table name (3-255 of a-z A-Z 0-9 _ . -)' };
const LOGICAL_ID = { max: 255, pattern: /^[A-Za-z0-9]+$/, what: 'a logical ID' };
const ATTRIBUTE = { max: 255 };
/** On-demand maxima: -1 removes the limit (OnDemandThroughput, DynamoDB API reference). */
const ON_DEMAND_MAX = 1_000_000_000;

function units(o: Record<string, unknown>, keys: string[], path: string, min: number): Record<string, number> {
  const out: Record<string, number> = {};
  for (const k of keys) if (o[k] !== undefined) out[k] = asInt(o[k], `${path}.${k}`, min, ON_DEMAND_MAX);
  return out;
}

function gsi(v: unknown, path: string): GsiProps {
  const o = asObject(v, path);
  const keys = asList(o.KeySchema, `${path}.KeySchema`, 8).map((k, i) => {
    const ko = asObject(k, `${path}.KeySchema[${i}]`);
    return {
      AttributeName: asString(ko.AttributeName, `${path}.KeySchema[${i}].AttributeName`, ATTRIBUTE),
      KeyType: asEnum(ko.KeyType, `${path}.KeySchema[${i}].KeyType`, ['HASH', 'RANGE'] as const),
    };
  });
  // One to four HASH elements, then up to four RANGE elements ("Multi-attribute keys pattern").
  const hashes = keys.findIndex((k) => k.KeyType !== 'HASH');
  const hashCount = hashes === -1 ? keys.length : hashes;
  if (hashCount < 1 || hashCount > 4 || keys.length - hashCount > 4 || keys.slice(hashCount).some((k) => k.KeyType !== 'RANGE'))
    throw new PropertyError(`${path}.KeySchema`, 'must be 1 to 4 HASH elements, then up to 4 RANGE elements');
  const p = asObject(o.Projection, `${path}.Projection`);
  const projection: GsiProps['Projection'] = {
    ProjectionType: asEnum(p.ProjectionType, `${path}.Projection.ProjectionType`, ['ALL', 'KEYS_ONLY', 'INCLUDE'] as const),
  };
  if (p.NonKeyAttributes !== undefined)
    projection.NonKeyAttributes = asList(p.NonKeyAttributes, `${path}.Projection.NonKeyAttributes`, 100).map((a, i) =>
      asString(a, `${path}.Projection.NonKeyAttributes[${i}]`, ATTRIBUTE),
    );
  const g: GsiProps = {
    IndexName: asString(o.IndexName, `${path}.IndexName`, { max: 255, pattern: NAME, what: 'an index name' }),
    KeySchema: keys,
    Projection: projection,
  };
  if (o.ProvisionedThroughput !== undefined) {
    const t = asObject(o.ProvisionedThroughput, `${path}.ProvisionedThroughput`);
    g.ProvisionedThroughput = {
      ReadCapacityUnits: asInt(t.ReadCapacityUnits, `${path}.ProvisionedThroughput.ReadCapacityUnits`, 1, ON_DEMAND_MAX),
      WriteCapacityUnits: asInt(t.WriteCapacityUnits, `${path}.ProvisionedThroughput.WriteCapacityUnits`, 1, ON_DEMAND_MAX),
    };
  }
  if (o.OnDemandThroughput !== undefined)
    g.OnDemandThroughput = units(
      asObject(o.OnDemandThroughput, `${path}.OnDemandThroughput`),
      ['MaxReadRequestUnits', 'MaxWriteRequestUnits'],
      `${path}.OnDemandThroughput`,
      -1,
    );
  if (o.WarmThroughput !== undefined)
    g.WarmThroughput = units(asObject(o.WarmThroughput, `${path}.WarmThroughput`), ['ReadUnitsPerSecond', 'WriteUnitsPerSecond'], `${path}.WarmThroughput`, 1);
  if (o.ContributorInsightsSpecification !== undefined) {
    const c = asObject(o.ContributorInsightsSpecification, `${path}.ContributorInsightsSpecification`);
    g.ContributorInsightsSpecification = { Enabled: asBool(c.Enabled, `${path}.ContributorInsightsSpecification.Enabled`) };
    const mode = optString(c.Mode, `${path}.ContributorInsightsSpecification.Mode`, { max: 64 });
    if (mode !== undefined) g.ContributorInsightsSpecification.Mode = mode;
  }
  return g;
}

export function parseIndexesProps(raw: unknown): IndexesProps {
  const o = asObject(raw, 'ResourceProperties');
  const indexes = asList(o.GlobalSecondaryIndexes ?? [], 'GlobalSecondaryIndexes', 100).map((g, i) => gsi(g, `GlobalSecondaryIndexes[${i}]`));
  const seen = new Set<string>();
  indexes.forEach((g, i) => {
    if (seen.has(g.IndexName)) throw new PropertyError(`GlobalSecondaryIndexes[${i}].IndexName`, `names ${g.IndexName} twice`);
    seen.add(g.IndexName);
  });
  const attributes = asList(o.AttributeDefinitions ?? [], 'AttributeDefinitions', 200).map((a, i) => {
    const ao = asObject(a, `AttributeDefinitions[${i}]`);
    return {
      AttributeName: asString(ao.AttributeName, `AttributeDefinitions[${i}].AttributeName`, ATTRIBUTE),
      AttributeType: asEnum(ao.AttributeType, `AttributeDefinitions[${i}].AttributeType`, ['S', 'N', 'B'] as const),
    };
  });
  for (const [i, g] of indexes.entries())
    for (const k of g.KeySchema)
      if (!attributes.some((a) => a.AttributeName === k.AttributeName))
        throw new PropertyError(`GlobalSecondaryIndexes[${i}].KeySchema`, `uses ${k.AttributeName}, which AttributeDefinitions does not define`);
  const props: IndexesProps = {
    ServiceToken: typeof o.ServiceToken === 'string' ? o.ServiceToken : '',
    ServiceTimeout: o.ServiceTimeout === undefined ? 3600 : asInt(o.ServiceTimeout, 'ServiceTimeout', 1, 3600),
    TableName: asString(o.TableName, 'TableName', TABLE_NAME),
    BillingMode: asEnum(o.BillingMode, 'BillingMode', ['PAY_PER_REQUEST', 'PROVISIONED'] as const),
    AttributeDefinitions: attributes,
    GlobalSecondaryIndexes: indexes,
    TableLogicalId: asString(o.TableLogicalId, 'TableLogicalId', LOGICAL_ID),
  };
  const adopt = optString(o.AdoptExistingTable, 'AdoptExistingTable', TABLE_NAME);
  if (adopt !== undefined) props.AdoptExistingTable = adopt;
  return props;
}

export function parsePrecheckProps(raw: unknown): PrecheckProps {
  const o = asObject(raw, 'ResourceProperties');
  return {
    ServiceToken: typeof o.ServiceToken === 'string' ? o.ServiceToken : '',
    ServiceTimeout: o.ServiceTimeout === undefined ? 3600 : asInt(o.ServiceTimeout, 'ServiceTimeout', 1, 3600),
    TableLogicalId: asString(o.TableLogicalId, 'TableLogicalId', LOGICAL_ID),
    ...(o.BillingMode !== undefined ? { BillingMode: asEnum(o.BillingMode, 'BillingMode', ['PAY_PER_REQUEST', 'PROVISIONED'] as const) } : {}),
  };
}

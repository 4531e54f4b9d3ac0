/**
 * `Custom::ArcDynamoDbExport` properties (contract/resources.ts), parsed at the boundary:
 * CloudFormation delivers every scalar as a string. Limits are ExportTableToPointInTime's
 * (DynamoDB API reference): a table ARN, an S3 bucket name, a prefix, a 12-digit owner, a KMS key.
 */
import type { ExportResourceProps } from '../../contract/resources';
import { PropertyError, asEnum, asInt, asList, asObject, asString, optString } from '../protocol/parse';

export type ExportProps = ExportResourceProps;

const TABLE_ARN = /^arn:aws[a-z-]*:dynamodb:[a-z0-9-]+:\d{12}:table\/[A-Za-z0-9_.-]{3,255}$/;
const BUCKET = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;
// No empty segment, no `..`: the prefix is joined under arc-dynamodb/<StackName>/ (exportKeyPrefixFor).
const PREFIX = /^(?!.*\.\.)(?!.*\/\/)[A-Za-z0-9!_.*'()/-]{1,200}$/;

export function parseExportProps(raw: unknown): ExportProps {
  const o = asObject(raw, 'ResourceProperties');
  const props: ExportProps = {
    ServiceToken: typeof o.ServiceToken === 'string' ? o.ServiceToken : '',
    ServiceTimeout: o.ServiceTimeout === undefined ? 3600 : asInt(o.ServiceTimeout, 'ServiceTimeout', 1, 3600),
    TableLogicalId: asString(o.TableLogicalId, 'TableLogicalId', { max: 255, pattern: /^[A-Za-z0-9]+$/, what: 'a logical ID' }),
    SourceTableArn: asString(o.SourceTableArn, 'SourceTableArn', { max: 1024, pattern: TABLE_ARN, what: "a table's ARN" }),
    S3Bucket: asString(o.S3Bucket, 'S3Bucket', { max: 63, pattern: BUCKET, what: 'an S3 bucket name' }),
    KeySchema: asList(o.KeySchema, 'KeySchema', 2).map((k, i) => {
      const ko = asObject(k, `KeySchema[${i}]`);
      return {
        AttributeName: asString(ko.AttributeName, `KeySchema[${i}].AttributeName`, { max: 255 }),
        KeyType: asEnum(ko.KeyType, `KeySchema[${i}].KeyType`, ['HASH', 'RANGE'] as const),
        AttributeType: asEnum(ko.AttributeType, `KeySchema[${i}].AttributeType`, ['S', 'N', 'B'] as const),
      };
    }),
  };
  if (props.KeySchema.length === 0 || props.KeySchema[0].KeyType !== 'HASH') throw new PropertyError('KeySchema', 'must start with the HASH key');
  const time = optString(o.ExportTime, 'ExportTime', { max: 64 });
  if (time !== undefined) {
    if (Number.isNaN(Date.parse(time))) throw new PropertyError('ExportTime', `must be an ISO 8601 time; got '${time}'`);
    props.ExportTime = time;
  }
  const prefix = optString(o.S3Prefix, 'S3Prefix', { max: 200, pattern: PREFIX, what: 'an S3 key prefix without empty segments or ..' });
  if (prefix !== undefined) props.S3Prefix = prefix;
  const owner = optString(o.S3BucketOwner, 'S3BucketOwner', { max: 12, pattern: /^\d{12}$/, what: 'a 12-digit account ID' });
  if (owner !== undefined) props.S3BucketOwner = owner;
  if (o.S3SseAlgorithm !== undefined) props.S3SseAlgorithm = asEnum(o.S3SseAlgorithm, 'S3SseAlgorithm', ['AES256', 'KMS'] as const);
  const key = optString(o.S3SseKmsKeyId, 'S3SseKmsKeyId', { max: 2048 });
  if (key !== undefined) props.S3SseKmsKeyId = key;
  return props;
}

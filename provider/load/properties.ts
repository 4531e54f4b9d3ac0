/**
 * `Custom::ArcDynamoDbLoad` ResourceProperties at the provider's boundary: CloudFormation sends
 * every scalar as a string, so numbers are parsed here, and every error names the property path.
 */
import { COMPRESSION_TYPES, CSV_DELIMITERS, INPUT_FORMATS, WRITE_MODES, type LoadResourceProps } from '../../contract/resources';
import { asEnum, asInt, asList, asNumber, asObject, asString, optBool, optInt, optString, PropertyError } from '../protocol/parse';

export type LoadProps = Omit<LoadResourceProps, 'ServiceToken' | 'ServiceTimeout'>;

export { COMPRESSION_TYPES, CSV_DELIMITERS, INPUT_FORMATS, WRITE_MODES };

/** S3 bucket names: 3-63 characters of lower-case letters, digits, dots and hyphens. */
const BUCKET = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;
const ACCOUNT = /^\d{12}$/;
const TABLE = /^[a-zA-Z0-9_.-]{3,255}$/;

export function parseLoadProperties(raw: unknown): LoadProps {
  const p = asObject(raw, 'ResourceProperties');
  const src = asObject(p.S3BucketSource, 'S3BucketSource');
  const props: LoadProps = {
    TableName: asString(p.TableName, 'TableName', { pattern: TABLE, what: 'a DynamoDB table name' }),
    S3BucketSource: {
      Bucket: asString(src.Bucket, 'S3BucketSource.Bucket', { pattern: BUCKET, what: 'an S3 bucket name' }),
      KeyPrefix: src.KeyPrefix === '' ? undefined : optString(src.KeyPrefix, 'S3BucketSource.KeyPrefix', { max: 1024 }),
      BucketOwner: optString(src.BucketOwner, 'S3BucketSource.BucketOwner', { pattern: ACCOUNT, what: 'a 12-digit AWS account ID' }),
    },
    InputFormat: asEnum(p.InputFormat, 'InputFormat', INPUT_FORMATS),
    InputCompressionType: p.InputCompressionType === undefined ? 'NONE' : asEnum(p.InputCompressionType, 'InputCompressionType', COMPRESSION_TYPES),
    WriteMode: p.WriteMode === undefined ? 'Overwrite' : asEnum(p.WriteMode, 'WriteMode', WRITE_MODES),
    MaxRejectedRecords: p.MaxRejectedRecords === undefined ? 0 : asInt(p.MaxRejectedRecords, 'MaxRejectedRecords', 0, 1_000_000_000),
    Revision: optString(p.Revision, 'Revision', { max: 256 }),
    AdoptExistingTable: optString(p.AdoptExistingTable, 'AdoptExistingTable', { pattern: TABLE, what: 'a DynamoDB table name' }),
  };
  const distributed = optBool(p.Distributed, 'Distributed');
  if (distributed !== undefined) props.Distributed = distributed;
  if (p.WriteBudget !== undefined) {
    const b = asObject(p.WriteBudget, 'WriteBudget');
    const budget: NonNullable<LoadProps['WriteBudget']> = {};
    if (b.WriteCapacityPercent !== undefined) budget.WriteCapacityPercent = asNumber(b.WriteCapacityPercent, 'WriteBudget.WriteCapacityPercent', 1, 100);
    const units = optInt(b.MaxWriteUnitsPerSecond, 'WriteBudget.MaxWriteUnitsPerSecond', 1, 1_000_000_000);
    if (units !== undefined) budget.MaxWriteUnitsPerSecond = units;
    const items = optInt(b.MaxItemsPerSecond, 'WriteBudget.MaxItemsPerSecond', 1, 1_000_000_000);
    if (items !== undefined) budget.MaxItemsPerSecond = items;
    if (Object.keys(budget).length === 0) throw new PropertyError('WriteBudget', 'needs WriteCapacityPercent, MaxWriteUnitsPerSecond or MaxItemsPerSecond');
    props.WriteBudget = budget;
  }
  if (p.InputFormatOptions !== undefined) {
    const o = asObject(p.InputFormatOptions, 'InputFormatOptions');
    if (o.Csv !== undefined) {
      const c = asObject(o.Csv, 'InputFormatOptions.Csv');
      const delimiter = optString(c.Delimiter, 'InputFormatOptions.Csv.Delimiter', { max: 1 });
      if (delimiter !== undefined && !CSV_DELIMITERS.includes(delimiter)) {
        throw new PropertyError('InputFormatOptions.Csv.Delimiter', "must be one of , ; : | tab or space (ImportTable's [,;:|\\t ])");
      }
      const headerList =
        c.HeaderList === undefined
          ? undefined
          : asList(c.HeaderList, 'InputFormatOptions.Csv.HeaderList', 255).map((h, i) => asString(h, `InputFormatOptions.Csv.HeaderList[${i}]`, { max: 255 }));
      props.InputFormatOptions = { Csv: { ...(delimiter !== undefined ? { Delimiter: delimiter } : {}), ...(headerList ? { HeaderList: headerList } : {}) } };
    }
  }
  return props;
}

/**
 * The properties that decide what is loaded: an Update that changes one of them loads again.
 * WriteBudget, WriteMode and MaxRejectedRecords say how, not what: changing only them loads nothing.
 */
export function sourceKey(p: LoadProps): string {
  return JSON.stringify([
    p.TableName,
    p.S3BucketSource.Bucket,
    p.S3BucketSource.KeyPrefix ?? '',
    p.S3BucketSource.BucketOwner ?? '',
    p.InputFormat,
    p.InputCompressionType,
    p.InputFormatOptions ?? null,
    p.Revision ?? '',
  ]);
}

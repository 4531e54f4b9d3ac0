/**
 * Data sources: ImportTable (the native ImportSourceSpecification), CopyFrom (an export of another
 * table, imported the same way) and Load (Custom::ArcDynamoDbLoad).
 *
 * Load reads S3 with the provider's role, on behalf of every stack, so a stack may load only
 * objects under its own prefix, arc-dynamodb/<StackName>/ (contract/resources.ts, LOAD_KEY_ROOT);
 * the provider enforces it with the stack name CloudFormation vouched for. The macro does not
 * know the stack's name, so it checks what it can see: a literal prefix, or the literal start of
 * an Fn::Sub, must begin with arc-dynamodb/ and a name segment.
 */
import { LOAD_KEY_ROOT } from '../../contract/resources';
import { joinPath } from '../errors';
import { isIntrinsic, isObject } from '../model/values';
import type { Check } from './types';

const BOUND = new RegExp(`^${LOAD_KEY_ROOT.replace('/', '\\/')}(\\$\\{AWS::StackName\\}|[A-Za-z][A-Za-z0-9-]{0,127})/`);

function literalStart(v: unknown): string | undefined {
  if (typeof v === 'string') return v;
  if (isObject(v) && 'Fn::Sub' in v) {
    const sub = v['Fn::Sub'];
    return typeof sub === 'string' ? sub : Array.isArray(sub) && typeof sub[0] === 'string' ? sub[0] : undefined;
  }
  return undefined;
}

export const loadSourceIsBoundToTheStack: Check = ({ model, properties: p }, r) => {
  const raw = isObject(p.Load) && isObject(p.Load.S3BucketSource) ? p.Load.S3BucketSource.KeyPrefix : undefined;
  if (!model.load || raw === undefined) return;
  const start = literalStart(raw);
  if (start !== undefined && !BOUND.test(start)) {
    r.error(
      'Load.S3BucketSource.KeyPrefix',
      `must start with ${LOAD_KEY_ROOT}<this stack's name>/ (for example !Sub '${LOAD_KEY_ROOT}\${AWS::StackName}/seed/'), got ` +
        `'${start.slice(0, 200)}': a stack loads only objects under its own prefix`,
    );
  }
};

/** ImportTable's TableCreationParameters have no LocalSecondaryIndexes (DynamoDB API reference, ImportTable); CopyFrom imports too. */
export const importCannotCreateLocalIndexes: Check = ({ model, properties: p }, r) => {
  const lsis = model.localSecondaryIndexes.length > 0 || (Array.isArray(p.LocalSecondaryIndexes) && p.LocalSecondaryIndexes.length > 0);
  for (const [path, given] of [
    ['ImportTable', model.importTable],
    ['CopyFrom', model.copyFrom],
  ] as const) {
    if (given && lsis) r.error(path, "cannot be combined with LocalSecondaryIndexes: DynamoDB's ImportTable creates no local secondary indexes");
  }
};

/**
 * CopyFrom is the table's one source of data at creation: it becomes the ImportSourceSpecification
 * that ImportTable also writes, and an adopted table exists already, so nothing would be imported.
 */
export const copyFromAlone: Check = ({ model }, r) => {
  if (!model.copyFrom) return;
  if (model.importTable) r.error('CopyFrom', 'cannot be combined with ImportTable: a table is created from one import');
  if (model.adoptExistingTable !== undefined)
    r.error('CopyFrom', 'cannot be combined with AdoptExistingTable: an adopted table exists already, so it is never imported');
};

// ExportTableToPointInTime: TableArn is a table's ARN; ExportTime a timestamp (ISO 8601 in a template);
// S3SseKmsKeyId only with S3SseAlgorithm KMS (DynamoDB API reference, ExportTableToPointInTime).
const TABLE_ARN = /^arn:aws[a-z-]*:dynamodb:[a-z0-9-]+:\d{12}:table\/[A-Za-z0-9_.-]{3,255}$/;
const ISO_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2})$/;

export const copyFromValues: Check = ({ model }, r) => {
  const c = model.copyFrom;
  if (!c) return;
  if (typeof c.sourceTableArn === 'string' && !TABLE_ARN.test(c.sourceTableArn)) {
    r.error(
      'CopyFrom.SourceTableArn',
      `must be a table's ARN, arn:<partition>:dynamodb:<region>:<account>:table/<name>; got '${c.sourceTableArn.slice(0, 300)}'`,
    );
  }
  if (typeof c.exportTime === 'string' && (!ISO_TIME.test(c.exportTime) || Number.isNaN(Date.parse(c.exportTime)))) {
    r.error('CopyFrom.ExportTime', `must be an ISO 8601 time with its zone, such as 2026-11-30T12:00:00Z; got '${c.exportTime.slice(0, 100)}'`);
  }
  if (c.s3SseKmsKeyId !== undefined && typeof c.s3SseAlgorithm === 'string' && c.s3SseAlgorithm !== 'KMS') {
    r.error('CopyFrom.S3SseKmsKeyId', `needs S3SseAlgorithm KMS; it is ${c.s3SseAlgorithm}`);
  } else if (c.s3SseKmsKeyId !== undefined && c.s3SseAlgorithm === undefined) {
    r.error('CopyFrom.S3SseKmsKeyId', 'needs S3SseAlgorithm KMS');
  }
};

/** InputFormatOptions holds CSV options only (DynamoDB API reference, InputFormatOptions). */
export const csvOptionsNeedCsv: Check = ({ model, properties: p, failed }, r) => {
  for (const kind of ['ImportTable', 'Load'] as const) {
    const raw = isObject(p[kind]) ? (p[kind] as Record<string, unknown>) : undefined;
    const source = kind === 'ImportTable' ? model.importTable : model.load;
    if (raw?.InputFormatOptions === undefined || !source || isIntrinsic(raw.InputFormat) || failed.at(joinPath(kind, 'InputFormat'))) continue;
    if (source.inputFormat !== 'CSV') r.error(joinPath(kind, 'InputFormatOptions'), `is only for InputFormat CSV; this source is ${source.inputFormat}`);
  }
};

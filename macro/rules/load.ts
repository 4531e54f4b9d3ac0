/**
 * Data sources: ImportTable (the native ImportSourceSpecification) and Load (Custom::ArcDynamoDbLoad).
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

/** ImportTable's TableCreationParameters have no LocalSecondaryIndexes (DynamoDB API reference, ImportTable). */
export const importCannotCreateLocalIndexes: Check = ({ model, properties: p }, r) => {
  if (model.importTable && (model.localSecondaryIndexes.length > 0 || (Array.isArray(p.LocalSecondaryIndexes) && p.LocalSecondaryIndexes.length > 0))) {
    r.error('ImportTable', "cannot be combined with LocalSecondaryIndexes: DynamoDB's ImportTable creates no local secondary indexes");
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

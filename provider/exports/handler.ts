/**
 * `Custom::ArcDynamoDbExport` (CopyFrom): exports a source table to S3 at a point in its PITR
 * window, so that CloudFormation can create the stack's new table from it by ImportTable (the
 * table's ImportSourceSpecification reads this resource's Fn::GetAtt; macro/generators/copy.ts).
 *
 * - Create: checks before anything starts that the stack has no such table yet, and the source
 *   (same account, it exists, its key is the new table's, PITR is on, ExportTime lies in its window), then ExportTableToPointInTime with a
 *   ClientToken (a repeated call within 8 hours is the same export: ExportTableToPointInTime API
 *   reference), then waits for COMPLETED across invocations. It answers with where the export's
 *   data lies. With the long-operation path it may answer once the export has started: every
 *   attribute is final by then, for the data folder is named by the export's ID.
 * - Update (a rollback too): exports nothing and answers the attributes of the export made at
 *   creation, which its physical ID carries (physicalIdOf). The table's ImportSourceSpecification then
 *   resolves to the same values, so CloudFormation never replaces the table (its
 *   ImportSourceSpecification requires replacement: AWS::DynamoDB::Table), whatever changed.
 * - Delete: nothing. The export's objects stay in the bucket: they are the user's data.
 *
 * It changes no table, so it names none for the ownership check. The source is only read, and only
 * what the provider's role allows (template.yaml CopySourceTableArns); the export is written only
 * under arc-dynamodb/<StackName>/ of an allowed bucket (CopyBucketNames).
 */
import {
  DescribeContinuousBackupsCommand,
  DescribeExportCommand,
  type DynamoDBClient,
  type ExportDescription,
  ExportTableToPointInTimeCommand,
} from '@aws-sdk/client-dynamodb';
import { createHash } from 'node:crypto';
import { EXPORT_RESOURCE_TYPE, type EXPORT_RESULT_ATTRIBUTES, exportKeyPrefixFor, stackNameOf } from '../../contract/resources';
import { awsErrorName, describeTable } from '../aws';
import { SupersededError } from '../guard/types';
import { Aborted, backoff, beforeEachChange, DEFAULT_POLL, type PollOptions } from '../poll';
import type { HandlerRequest, HandlerResult, ResourceHandler } from '../types';
import { type ExportProps, parseExportProps } from './props';

export type ExportAttributes = Record<(typeof EXPORT_RESULT_ATTRIBUTES)[number], string>;

/** The state a continuation carries: the export started, and the attributes it will answer with. */
interface Checkpoint {
  v: 1;
  exportArn: string;
  attributes: ExportAttributes;
}

const isAttributes = (v: unknown): v is ExportAttributes =>
  !!v && typeof v === 'object' && ['S3Bucket', 'S3BucketOwner', 'S3KeyPrefix', 'ExportArn'].every((k) => typeof (v as Record<string, unknown>)[k] === 'string');
const isCheckpoint = (v: unknown): v is Checkpoint => {
  const c = v as Checkpoint;
  return !!c && typeof c === 'object' && c.v === 1 && typeof c.exportArn === 'string' && isAttributes(c.attributes);
};

const arnPart = (arn: string, i: number) => arn.split(':')[i] ?? '';

/**
 * The export's data folder: <prefix>/AWSDynamoDB/<ExportId>/data/, where ExportId ends the export's
 * ARN (table/<name>/export/<ExportId>), beside its manifest-summary.json
 * (https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/S3DataExport.Output.html).
 */
export function dataFolder(prefix: string, exportArn: string): string | undefined {
  const id = exportIdOf(exportArn);
  return id === undefined ? undefined : `${prefix}/AWSDynamoDB/${id}/data/`;
}

const exportIdOf = (exportArn: string) => /\/export\/([A-Za-z0-9-]+)$/.exec(exportArn)?.[1];

/**
 * The physical ID carries what the table reads, `<ExportArn>|<owner>|s3://<bucket>/<data folder>`,
 * so that an Update answers the same values even when nothing else remembers them: the memo lives
 * in the provider's state table, which goes with the provider's stack, and DynamoDB describes an
 * export for 90 days only. CloudFormation keeps a physical ID for the resource's life (up to 1 KB;
 * this is at most about 700 characters: AWS::CloudFormation::CustomResource, response fields).
 */
export const physicalIdOf = (a: ExportAttributes) => `${a.ExportArn}|${a.S3BucketOwner}|s3://${a.S3Bucket}/${a.S3KeyPrefix}`;

export function attributesOfId(id: string | undefined): ExportAttributes | undefined {
  const m = /^(arn:[^|]+\/export\/[A-Za-z0-9-]+)\|(\d{12})\|s3:\/\/([a-z0-9][a-z0-9.-]{1,61}[a-z0-9])\/([^|]+\/data\/)$/.exec(id ?? '');
  return m ? { ExportArn: m[1], S3BucketOwner: m[2], S3Bucket: m[3], S3KeyPrefix: m[4], ExportTime: '', ItemCount: '' } : undefined;
}

/**
 * A failure's reason names AWS's error only: its message names the provider's role and resources
 * ("User: arn:aws:sts::...:assumed-role/<role>/... is not authorized to perform ..."), which the
 * stack's events show to whoever deploys it (the indexes precheck does the same). The whole
 * message goes to the provider's own log.
 */
function failure(req: HandlerRequest<ExportProps>, step: string, e: unknown, started: ExportAttributes | undefined): HandlerResult {
  const exportArn = started?.ExportArn;
  const name = awsErrorName(e) || 'Error';
  req.log.warn('export request failed', { step, error: (e instanceof Error ? e.message : String(e)).slice(0, 1000) });
  const denied = /AccessDenied|UnauthorizedOperation|NotAuthorized/i.test(name);
  return {
    status: 'failed',
    ...(started !== undefined ? { physicalResourceId: physicalIdOf(started) } : {}),
    reason:
      `CopyFrom: ${step} failed (${name}).` +
      (denied
        ? ' The provider may read and export only the tables in its CopySourceTableArns, and write only under arc-dynamodb/ of its ' +
          'CopyBucketNames (template.yaml).'
        : '') +
      (exportArn === undefined ? ' Nothing was exported.' : ` The export ${exportArn} had started; its objects stay in the bucket.`) +
      " See the provider function's log for AWS's message.",
  };
}

/** The ClientToken: the same request (a retry, a duplicate delivery) is the same export. */
const clientToken = (req: HandlerRequest<ExportProps>) =>
  createHash('sha256').update(`${req.stackId}|${req.logicalResourceId}|${req.requestId}`).digest('hex').slice(0, 36);

type Preflight = { ok: true } | { ok: false; reason: string };

/** What the source must be before an export starts; each refusal says what to change. */
async function preflight(req: HandlerRequest<ExportProps>, ddb: DynamoDBClient, at: { step: string }): Promise<Preflight> {
  const p = req.properties;
  const source = p.SourceTableArn;
  const stackAccount = arnPart(req.stackId, 4);
  if (arnPart(source, 4) !== stackAccount)
    return {
      ok: false,
      reason: `CopyFrom: the source table ${source} is in another account than the stack (${stackAccount}); copies across accounts are not supported.`,
    };
  // By name, in the source's region: the account is the stack's (checked above).
  const name = source.split(':table/')[1] ?? '';
  at.step = 'DescribeTable';
  const table = await describeTable(ddb, name);
  if (!table) return { ok: false, reason: `CopyFrom: the source table ${source} does not exist.` };
  const typeOf = (n: string | undefined) => table.AttributeDefinitions?.find((a) => a.AttributeName === n)?.AttributeType;
  const theirs = (table.KeySchema ?? []).map((k) => `${k.AttributeName} ${k.KeyType} ${typeOf(k.AttributeName)}`).join(', ');
  const ours = p.KeySchema.map((k) => `${k.AttributeName} ${k.KeyType} ${k.AttributeType}`).join(', ');
  // ImportTable writes each item under the new table's key; an item without it is an import error.
  if (theirs !== ours) return { ok: false, reason: `CopyFrom: the source table's key (${theirs}) is not the new table's (${ours}); nothing was exported.` };
  at.step = 'DescribeContinuousBackups';
  const backups = await ddb.send(new DescribeContinuousBackupsCommand({ TableName: name }));
  const pitr = backups.ContinuousBackupsDescription?.PointInTimeRecoveryDescription;
  // "Point-in-time recovery must be enabled on the table to export it" (DynamoDB developer guide, S3DataExport.HowItWorks).
  if (pitr?.PointInTimeRecoveryStatus !== 'ENABLED')
    return {
      ok: false,
      reason: `CopyFrom: the source table ${source} has no point-in-time recovery, which an export needs; enable it first. Nothing was exported.`,
    };
  if (p.ExportTime !== undefined) {
    const at = Date.parse(p.ExportTime);
    const earliest = pitr.EarliestRestorableDateTime?.getTime();
    // The window runs from EarliestRestorableDateTime to the present (ExportTime: "Time in the past
    // from which to export table data", ExportTableToPointInTime API reference); DynamoDB itself
    // judges the last minutes (InvalidExportTimeException), before anything is written.
    if ((earliest !== undefined && at < earliest) || at > Date.now())
      return {
        ok: false,
        reason:
          `CopyFrom.ExportTime ${p.ExportTime} is outside the source's point-in-time window ` +
          `(${pitr.EarliestRestorableDateTime?.toISOString() ?? '?'} to now). Nothing was exported.`,
      };
  }
  return { ok: true };
}

function attributesOf(d: ExportDescription, prefix: string, owner: string): ExportAttributes | undefined {
  const folder = d.ExportArn ? dataFolder(prefix, d.ExportArn) : undefined;
  if (!folder || !d.ExportArn || !d.S3Bucket) return undefined;
  return {
    S3Bucket: d.S3Bucket,
    S3BucketOwner: d.S3BucketOwner ?? owner,
    S3KeyPrefix: folder,
    ExportArn: d.ExportArn,
    ExportTime: (d.ExportTime ?? d.StartTime)?.toISOString() ?? '',
    ItemCount: d.ItemCount === undefined ? '' : String(d.ItemCount),
  };
}

async function create(req: HandlerRequest<ExportProps>, poll: PollOptions): Promise<HandlerResult> {
  const checkpoint = isCheckpoint(req.checkpoint) ? req.checkpoint : undefined;
  const at: { step: string; started: ExportAttributes | undefined } = { step: 'DescribeTable', started: checkpoint?.attributes };
  try {
    return await createSteps(req, poll, checkpoint, at);
  } catch (e) {
    if (e instanceof Aborted || e instanceof SupersededError) throw e;
    return failure(req, at.step, e, at.started);
  }
}

async function createSteps(
  req: HandlerRequest<ExportProps>,
  poll: PollOptions,
  checkpoint: Checkpoint | undefined,
  at: { step: string; started: ExportAttributes | undefined },
): Promise<HandlerResult> {
  const p = req.properties;
  const ddb = req.clients.dynamodb(arnPart(p.SourceTableArn, 3));
  let state = checkpoint;
  if (!state) {
    // A table the stack already has gets no copy: CopyFrom added to it would give it an
    // ImportSourceSpecification, which requires replacement (AWS::DynamoDB::Table): a named table
    // fails the update after a whole export, an unnamed one is replaced by a new table and the
    // one holding the data is left behind, or deleted with UpdateReplacePolicy Delete. This Create
    // runs before the table's update (the table reads its Fn::GetAtt), so nothing has changed yet.
    at.step = 'DescribeStackResource';
    const existing = await req.stack?.resource(p.TableLogicalId);
    if (existing !== undefined)
      return {
        status: 'failed',
        reason:
          `CopyFrom: the stack already has ${p.TableLogicalId} (${existing.physicalId.slice(0, 255)}). A copy is made only when the table is ` +
          'created; adding CopyFrom to an existing table would replace it (ImportSourceSpecification requires replacement). Nothing was ' +
          'exported. To copy into a new table, give it a new logical ID.',
      };
    const pre = await preflight(req, ddb, at);
    if (!pre.ok) return { status: 'failed', reason: pre.reason };
    await beforeEachChange(req)();
    const prefix = exportKeyPrefixFor(stackNameOf(req.stackId), p.S3Prefix ?? p.TableLogicalId);
    at.step = 'ExportTableToPointInTime';
    const started = await ddb.send(
      new ExportTableToPointInTimeCommand({
        TableArn: p.SourceTableArn,
        S3Bucket: p.S3Bucket,
        S3Prefix: prefix,
        ExportFormat: 'DYNAMODB_JSON',
        ClientToken: clientToken(req),
        ...(p.ExportTime !== undefined ? { ExportTime: new Date(p.ExportTime) } : {}),
        ...(p.S3BucketOwner !== undefined ? { S3BucketOwner: p.S3BucketOwner } : {}),
        ...(p.S3SseAlgorithm !== undefined ? { S3SseAlgorithm: p.S3SseAlgorithm } : {}),
        ...(p.S3SseKmsKeyId !== undefined ? { S3SseKmsKeyId: p.S3SseKmsKeyId } : {}),
      }),
    );
    const d = started.ExportDescription ?? {};
    const attributes = attributesOf(d, prefix, p.S3BucketOwner ?? arnPart(req.stackId, 4));
    if (!attributes)
      return { status: 'failed', reason: `CopyFrom: DynamoDB started an export without the ARN its data folder is named by (${d.ExportArn ?? 'none'}).` };
    state = { v: 1, exportArn: attributes.ExportArn, attributes };
    at.started = attributes;
    req.log.info('export started', { source: p.SourceTableArn, exportArn: state.exportArn, bucket: p.S3Bucket, prefix });
  }
  const pacing = backoff(poll, req.deadline);
  at.step = 'DescribeExport';
  for (;;) {
    const d = (await ddb.send(new DescribeExportCommand({ ExportArn: state.exportArn }))).ExportDescription ?? {};
    switch (d.ExportStatus) {
      case 'COMPLETED': {
        // The manifest lies beside the data folder, export-prefix/AWSDynamoDB/ExportId/manifest-summary.json
        // (S3DataExport.Output); a manifest of another ExportId means the layout is not the one
        // documented. ExportManifest is only "the name of the manifest file" (DescribeExport API
        // reference): whether it is written with the prefix, or as an s3:// URL, is not documented.
        const manifest = d.ExportManifest;
        if (manifest !== undefined && !manifest.endsWith(`AWSDynamoDB/${exportIdOf(state.exportArn) ?? ''}/manifest-summary.json`))
          return {
            status: 'failed',
            reason: `CopyFrom: the export's manifest ${manifest} is not beside ${state.attributes.S3KeyPrefix}; the table was not created.`,
          };
        const attributes = { ...state.attributes, ItemCount: d.ItemCount === undefined ? '' : String(d.ItemCount) };
        req.log.info('export completed', { exportArn: state.exportArn, items: d.ItemCount });
        return { status: 'done', physicalResourceId: physicalIdOf(attributes), data: attributes, memo: attributes };
      }
      case 'FAILED':
        return {
          status: 'failed',
          physicalResourceId: physicalIdOf(state.attributes),
          reason: `CopyFrom: the export of ${p.SourceTableArn} failed (${d.FailureCode ?? 'no code'}: ${(d.FailureMessage ?? 'no message').slice(0, 500)}).`,
        };
      default:
        if (!(await pacing.wait()))
          return { status: 'continue', checkpoint: state, physicalResourceId: physicalIdOf(state.attributes), data: state.attributes };
    }
  }
}

/**
 * The attributes of the export made at creation: the memo when it is this export's (it is kept per
 * stack and logical ID and outlives a Delete, so one an earlier incarnation left is not), else what
 * the physical ID carries (then without ExportTime and ItemCount, which the table does not read).
 */
function original(req: HandlerRequest<ExportProps>): ExportAttributes | undefined {
  if (isAttributes(req.memo) && physicalIdOf(req.memo) === req.physicalResourceId) return req.memo;
  return attributesOfId(req.physicalResourceId);
}

async function handle(req: HandlerRequest<ExportProps>, poll: PollOptions): Promise<HandlerResult> {
  switch (req.requestType) {
    case 'Create':
      try {
        return await create(req, poll);
      } catch (e) {
        if (e instanceof Aborted) return { status: 'continue', checkpoint: req.checkpoint ?? null };
        throw e;
      }
    case 'Update': {
      const attributes = original(req);
      if (!attributes)
        return {
          status: 'failed',
          reason: `CopyFrom: ${(req.physicalResourceId ?? 'none').slice(0, 300)} names no export this provider made; nothing was changed.`,
        };
      return {
        status: 'done',
        physicalResourceId: physicalIdOf(attributes),
        data: attributes,
        memo: attributes,
        reason: 'CopyFrom applies when the table is created; nothing was exported, and the table and its data are unchanged.',
      };
    }
    case 'Delete':
      // The export's objects are the user's data, and they may be the only copy of that point in time.
      return { status: 'done', physicalResourceId: req.physicalResourceId ?? '', reason: 'The export stays in its bucket; nothing was deleted.' };
  }
}

export function makeExportHandler(poll: PollOptions = DEFAULT_POLL): ResourceHandler<ExportProps> {
  return {
    resourceType: EXPORT_RESOURCE_TYPE,
    parseProperties: parseExportProps,
    tableName: () => undefined,
    handle: (req) => handle(req, poll),
  };
}

export const exportHandler = makeExportHandler();

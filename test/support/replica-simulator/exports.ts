/**
 * Table exports to S3 as DynamoDB makes them, for the replica simulator. moto 5.2.1 implements
 * ExportTableToPointInTime, but not as AWS does: its export ARN is not table/<name>/export/<id>,
 * the folder it writes is not named by that ID, and it writes no manifest. A copy made from an
 * export (CopyFrom) depends on exactly that layout, so the simulator answers the two calls itself,
 * reads the table from moto and writes the export into moto's S3. Each rule cites its source:
 *
 * E1 PITR must be on: "Point-in-time recovery must be enabled on the table to export it";
 *    otherwise PointInTimeRecoveryUnavailableException
 *    (https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_ExportTableToPointInTime.html).
 * E2 ExportTime lies in the PITR window, from EarliestRestorableDateTime to now; otherwise
 *    InvalidExportTimeException (same page).
 * E3 ClientToken: the same token with the same parameters within 8 hours is the same export; with
 *    other parameters, ExportConflictException (same page).
 * E4 The export's ARN is <table ARN>/export/<ExportId>; its objects are
 *    <prefix>/AWSDynamoDB/<ExportId>/manifest-summary.json, manifest-files.json (each with a
 *    .checksum), an empty _started, and data/<name>.json.gz, lines of {"Item": {...}} in DynamoDB
 *    JSON, GZIP-compressed; DescribeExport's ExportManifest names the summary
 *    (https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/S3DataExport.Output.html).
 * E5 An export into a bucket that does not exist fails (ExportStatus FAILED, FailureCode
 *    S3NoSuchBucket, as moto also answers).
 * E6 An unknown export ARN: ExportNotFoundException (API_DescribeExport.html).
 *
 * A limit of the model: moto keeps no history, so an export reads the items as they are when it
 * is requested, whatever its ExportTime. Tests compare a copy with its source as of then.
 */
import { createHash, randomBytes } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import { DescribeContinuousBackupsCommand, DescribeTableCommand, type DynamoDBClient, ScanCommand, type AttributeValue } from '@aws-sdk/client-dynamodb';
import { HeadBucketCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { SimError } from './group';

export interface ExportRecord {
  arn: string;
  id: string;
  tableArn: string;
  bucket: string;
  bucketOwner: string;
  prefix: string;
  clientToken?: string;
  parameters: string;
  status: 'IN_PROGRESS' | 'COMPLETED' | 'FAILED';
  startTime: number;
  exportTime: number;
  endTime?: number;
  items: Record<string, AttributeValue>[];
  itemCount?: number;
  failureCode?: string;
  failureMessage?: string;
  sse?: { algorithm: string; kmsKeyId?: string };
  /** Done once this time (ms) has passed, unless held. */
  dueAt: number;
  held: boolean;
}

export interface ExportModelDeps {
  dynamodb(region: string): DynamoDBClient;
  s3(): S3Client;
  /** How long an export stays IN_PROGRESS (ms); 0 completes at the first DescribeExport. */
  durationMs: number;
}

const seconds = (ms: number) => ms / 1000;

export class ExportModel {
  readonly exports: ExportRecord[] = [];
  private holding = false;

  constructor(private readonly deps: ExportModelDeps) {}

  /** Exports started from now on stay IN_PROGRESS until the returned release is called. */
  hold(): () => void {
    this.holding = true;
    return () => {
      this.holding = false;
      for (const e of this.exports) e.held = false;
    };
  }

  async start(region: string, input: Record<string, unknown>, now: number): Promise<Record<string, unknown>> {
    const tableArn = String(input.TableArn ?? '');
    const name = tableArn.split(':table/')[1] ?? '';
    const bucket = String(input.S3Bucket ?? '');
    const prefix = input.S3Prefix === undefined ? '' : String(input.S3Prefix);
    const parameters = JSON.stringify({ ...input, ClientToken: undefined });
    const token = input.ClientToken === undefined ? undefined : String(input.ClientToken);
    // E3
    const same = token === undefined ? undefined : this.exports.find((e) => e.clientToken === token && now - e.startTime < 8 * 3600_000);
    if (same) {
      if (same.parameters !== parameters) throw new SimError('ExportConflictException', 'There was a conflict when writing to the specified S3 bucket.');
      return this.description(same);
    }
    const ddb = this.deps.dynamodb(region);
    const table = await ddb.send(new DescribeTableCommand({ TableName: name })).catch(() => undefined);
    if (!table?.Table) throw new SimError('TableNotFoundException', `Table not found: ${name}`);
    // E1, E2
    const backups = await ddb.send(new DescribeContinuousBackupsCommand({ TableName: name }));
    const pitr = backups.ContinuousBackupsDescription?.PointInTimeRecoveryDescription;
    if (pitr?.PointInTimeRecoveryStatus !== 'ENABLED')
      throw new SimError('PointInTimeRecoveryUnavailableException', `Point in time recovery is not enabled for table '${name}'`);
    const exportTime = typeof input.ExportTime === 'number' ? input.ExportTime * 1000 : now;
    const earliest = pitr.EarliestRestorableDateTime?.getTime() ?? 0;
    if (exportTime < earliest - 1000 || exportTime > now)
      throw new SimError('InvalidExportTimeException', 'Export time is not within the point in time recovery window of the table.');
    // E4: an ID of the documented shape, 14 digits and 8 hex characters.
    const id = `${String(now).padStart(14, '0')}-${randomBytes(4).toString('hex')}`;
    const items: Record<string, AttributeValue>[] = [];
    let start: Record<string, AttributeValue> | undefined;
    do {
      const page = await ddb.send(new ScanCommand({ TableName: name, ExclusiveStartKey: start }));
      items.push(...(page.Items ?? []));
      start = page.LastEvaluatedKey;
    } while (start);
    const record: ExportRecord = {
      arn: `${tableArn}/export/${id}`,
      id,
      tableArn,
      bucket,
      bucketOwner: input.S3BucketOwner === undefined ? (tableArn.split(':')[4] ?? '') : String(input.S3BucketOwner),
      prefix,
      ...(token !== undefined ? { clientToken: token } : {}),
      parameters,
      status: 'IN_PROGRESS',
      startTime: now,
      exportTime,
      items,
      ...(input.S3SseAlgorithm !== undefined
        ? { sse: { algorithm: String(input.S3SseAlgorithm), ...(input.S3SseKmsKeyId !== undefined ? { kmsKeyId: String(input.S3SseKmsKeyId) } : {}) } }
        : {}),
      dueAt: now + this.deps.durationMs,
      held: this.holding,
    };
    this.exports.push(record);
    return this.description(record);
  }

  async describe(arn: string, now: number): Promise<Record<string, unknown>> {
    const record = this.exports.find((e) => e.arn === arn);
    if (!record) throw new SimError('ExportNotFoundException', `Export not found: ${arn}`); // E6
    if (record.status === 'IN_PROGRESS' && !record.held && now >= record.dueAt) await this.complete(record, now);
    return this.description(record);
  }

  private key(record: ExportRecord, rest: string): string {
    return `${record.prefix ? `${record.prefix}/` : ''}AWSDynamoDB/${record.id}/${rest}`;
  }

  private async complete(record: ExportRecord, now: number): Promise<void> {
    const s3 = this.deps.s3();
    const exists = await s3.send(new HeadBucketCommand({ Bucket: record.bucket })).then(
      () => true,
      () => false,
    );
    if (!exists) {
      // E5
      Object.assign(record, { status: 'FAILED', failureCode: 'S3NoSuchBucket', failureMessage: 'The specified bucket does not exist', endTime: now });
      return;
    }
    const encryption = record.sse
      ? { ServerSideEncryption: record.sse.algorithm === 'KMS' ? ('aws:kms' as const) : ('AES256' as const), SSEKMSKeyId: record.sse.kmsKeyId }
      : {};
    const put = (key: string, body: Buffer | string) => {
      const bytes = Buffer.from(body);
      return s3.send(new PutObjectCommand({ Bucket: record.bucket, Key: key, Body: bytes, ContentLength: bytes.length, ...encryption }));
    };
    const md5 = (b: Buffer | string) => createHash('md5').update(b).digest('hex');
    await put(this.key(record, '_started'), '');
    const data = gzipSync(Buffer.from(record.items.map((item) => `${JSON.stringify({ Item: item })}\n`).join('')));
    const dataKey = this.key(record, `data/${randomBytes(8).toString('hex')}.json.gz`);
    await put(dataKey, data);
    const files = `${JSON.stringify({ itemCount: record.items.length, md5Checksum: md5(data), dataFileS3Key: dataKey })}\n`;
    const summary = JSON.stringify({
      version: '2020-06-30',
      exportArn: record.arn,
      startTime: new Date(record.startTime).toISOString(),
      endTime: new Date(now).toISOString(),
      tableArn: record.tableArn,
      exportTime: new Date(record.exportTime).toISOString(),
      s3Bucket: record.bucket,
      s3Prefix: record.prefix,
      s3SseAlgorithm: record.sse?.algorithm ?? 'AES256',
      manifestFilesS3Key: this.key(record, 'manifest-files.json'),
      billedSizeBytes: data.length,
      itemCount: record.items.length,
      outputFormat: 'DYNAMODB_JSON',
      exportType: 'FULL_EXPORT',
    });
    await put(this.key(record, 'manifest-files.json'), files);
    await put(this.key(record, 'manifest-files.checksum'), md5(files));
    await put(this.key(record, 'manifest-summary.json'), summary);
    await put(this.key(record, 'manifest-summary.checksum'), md5(summary));
    Object.assign(record, { status: 'COMPLETED', itemCount: record.items.length, endTime: now });
  }

  private description(e: ExportRecord): Record<string, unknown> {
    return {
      ExportArn: e.arn,
      ExportStatus: e.status,
      TableArn: e.tableArn,
      S3Bucket: e.bucket,
      S3BucketOwner: e.bucketOwner,
      S3Prefix: e.prefix,
      ExportFormat: 'DYNAMODB_JSON',
      ExportType: 'FULL_EXPORT',
      StartTime: seconds(e.startTime),
      ExportTime: seconds(e.exportTime),
      ...(e.clientToken !== undefined ? { ClientToken: e.clientToken } : {}),
      ...(e.sse ? { S3SseAlgorithm: e.sse.algorithm, ...(e.sse.kmsKeyId ? { S3SseKmsKeyId: e.sse.kmsKeyId } : {}) } : {}),
      ...(e.status === 'COMPLETED' ? { EndTime: seconds(e.endTime ?? 0), ItemCount: e.itemCount, ExportManifest: this.key(e, 'manifest-summary.json') } : {}),
      ...(e.status === 'FAILED' ? { EndTime: seconds(e.endTime ?? 0), FailureCode: e.failureCode, FailureMessage: e.failureMessage } : {}),
    };
  }
}

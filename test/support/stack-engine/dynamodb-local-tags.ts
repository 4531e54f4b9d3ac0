/**
 * A loopback HTTP proxy in front of DynamoDB Local that gives it tagging.
 *
 * Why: DynamoDB Local has no tagging (DynamoDB developer guide, "DynamoDB local usage notes",
 * https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/DynamoDBLocal.UsageNotes.html;
 * observed with 1.25: TagResource, UntagResource and ListTagsOfResource answer "Tagging is not
 * currently supported in DynamoDB Local.", and CreateTable ignores its Tags). The provider reads
 * tags before it changes anything (provider/guard/ownership.ts reads arc-dynamodb:owner-stack-id,
 * provider/indexes/precheck.ts reads arc-dynamodb:indexes), so without them every provider request
 * on the DynamoDB Local backend is refused.
 *
 * Every DynamoDB JSON-protocol request (X-Amz-Target: DynamoDB_20120810.<Operation>) is forwarded to
 * DynamoDB Local unchanged, and its answer sent back unchanged, except:
 * - TagResource (https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_TagResource.html):
 *   adds the tags to the proxy's store, a tag with an existing key replacing its value (API_Tag:
 *   "If you try to add an existing tag (same key), the existing tag value will be updated"); HTTP 200,
 *   empty body.
 * - UntagResource (https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_UntagResource.html):
 *   removes the named keys (a key the table lacks is no error); HTTP 200, empty body.
 * - ListTagsOfResource (https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_ListTagsOfResource.html):
 *   `{ Tags: [{ Key, Value }] }`, every tag in one page (no NextToken).
 *   All three answer ResourceNotFoundException when the ARN names no existing table: the proxy
 *   forwards a DescribeTable for the table name in the ARN, and the ARN must be that table's
 *   TableArn (DynamoDB Local's own, arn:aws:dynamodb:ddblocal:000000000000:table/<name>). A string
 *   that is no table ARN is a ValidationException. Tag limits as documented (API_Tag: key 1-128
 *   characters, value 0-256, at most 50 tags per table, the `aws:` prefix is not the user's) are
 *   ValidationExceptions; their messages are the proxy's own, not DynamoDB's.
 * - CreateTable: its Tags are validated as above, the request is forwarded, and on success the tags
 *   become the created table's (TableDescription.TableArn of the answer); a table created without
 *   Tags has none (left-overs of a table of the same name deleted behind the proxy's back are dropped).
 * - DeleteTable: forwarded; on success the table's tags are dropped.
 *
 * DynamoDB Local keeps one database per access key and region (the usage notes: "myaccesskeyid_region.db",
 * and so in memory), and every table's ARN there is the same whatever the region, so the store is kept
 * per database: the access key and region of the request's SigV4 credential scope.
 *
 * Not modelled: tags' eventual consistency (TagResource: "ListTagsOfResource API will only reflect
 * the changes after a few seconds"; the replica simulator's consistency faults do that on moto),
 * TagResource's rate limits, tags on resources other than tables (streams, backups).
 *
 * `calls` records every request through the proxy (not the proxy's own DescribeTable checks), as the
 * replica simulator does, so tests can count e.g. the UpdateTable calls made on a table.
 */
import * as http from 'node:http';
import { freePort } from '../ports';

export interface DynamoDbLocalCall {
  operation: string;
  /** The region of the request's credential scope. */
  region: string;
  /** The TableName the call named, or the table of its ResourceArn. */
  table?: string;
  /** HTTP status of the answer (599: DynamoDB Local could not be reached). */
  status: number;
  /** Epoch ms when the call arrived. */
  at: number;
  /** Answered by the proxy itself (TagResource, UntagResource, ListTagsOfResource). */
  answeredByProxy?: boolean;
}

export interface DynamoDbLocalTagProxy {
  /** Point DynamoDB clients here instead of at DynamoDB Local. */
  endpoint: string;
  calls: DynamoDbLocalCall[];
  /** The stored tags of a table ARN in one database (default: any database that has the ARN). */
  tagsOf(arn: string, db?: { accessKeyId: string; region: string }): Record<string, string>;
  stop(): Promise<void>;
}

const TARGET_PREFIX = 'DynamoDB_20120810.';
const ARN = /^arn:[^:]+:dynamodb:[^:]*:[^:]*:table\/([A-Za-z0-9_.-]{3,255})$/;
const MAX_TAGS = 50;

class ApiError extends Error {
  constructor(
    readonly type: string,
    message: string,
    readonly status = 400,
  ) {
    super(message);
  }
}

interface Upstream {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
}

type Tags = Map<string, string>;
type Json = Record<string, unknown>;

function parseJson(body: Buffer): Json {
  if (body.length === 0) return {};
  try {
    const v = JSON.parse(body.toString('utf8')) as unknown;
    return v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Json) : {};
  } catch {
    return {};
  }
}

/** The Tags of a TagResource or CreateTable request, checked against API_Tag's constraints. */
function tagList(value: unknown, required: boolean): { Key: string; Value: string }[] {
  if (value === undefined || value === null) {
    if (required)
      throw new ApiError('ValidationException', "1 validation error detected: Value null at 'tags' failed to satisfy constraint: Member must not be null");
    return [];
  }
  if (!Array.isArray(value)) throw new ApiError('ValidationException', 'Tags must be a list of {Key, Value}');
  return value.map((t: unknown) => {
    const { Key, Value } = (t ?? {}) as { Key?: unknown; Value?: unknown };
    if (typeof Key !== 'string' || Key.length < 1 || Key.length > 128)
      throw new ApiError('ValidationException', 'A tag Key must be a string of 1 to 128 characters (API_Tag)');
    if (typeof Value !== 'string' || Value.length > 256)
      throw new ApiError('ValidationException', `Tag ${Key}: the Value must be a string of 0 to 256 characters (API_Tag)`);
    if (Key.startsWith('aws:')) throw new ApiError('ValidationException', `Tag ${Key}: the aws: prefix is reserved for AWS-assigned tags (API_Tag)`);
    return { Key, Value };
  });
}

function checkCount(tags: Tags, arnOrName: string) {
  if (tags.size > MAX_TAGS) throw new ApiError('ValidationException', `${arnOrName} would have ${tags.size} tags: at most ${MAX_TAGS} per table (API_Tag)`);
}

export async function startDynamoDbLocalTagProxy(upstreamEndpoint: string): Promise<DynamoDbLocalTagProxy> {
  const target = new URL(upstreamEndpoint);
  const agent = new http.Agent({ keepAlive: true });
  const calls: DynamoDbLocalCall[] = [];
  /** database ("<access key>_<region>") -> table ARN -> tags */
  const store = new Map<string, Map<string, Tags>>();
  const dbOf = (key: string) => {
    const db = store.get(key) ?? new Map<string, Tags>();
    store.set(key, db);
    return db;
  };

  function send(req: http.IncomingMessage, body: Buffer, override?: { operation: string; body: Buffer }): Promise<Upstream> {
    return new Promise((resolve) => {
      const headers: http.OutgoingHttpHeaders = { ...req.headers, host: target.host };
      if (override) {
        headers['x-amz-target'] = `${TARGET_PREFIX}${override.operation}`;
        headers['content-length'] = String(override.body.length);
        delete headers['transfer-encoding'];
      }
      const up = http.request({ host: target.hostname, port: target.port, method: req.method, path: req.url, headers, agent }, (ur) => {
        const chunks: Buffer[] = [];
        ur.on('data', (c: Buffer) => chunks.push(c));
        ur.on('end', () => resolve({ status: ur.statusCode ?? 502, headers: ur.headers, body: Buffer.concat(chunks) }));
        ur.on('error', () => resolve({ status: 599, headers: {}, body: Buffer.alloc(0) }));
      });
      up.on('error', () => resolve({ status: 599, headers: {}, body: Buffer.alloc(0) }));
      up.end(override ? override.body : body);
    });
  }

  function reply(res: http.ServerResponse, up: Upstream): number {
    if (up.status === 599) return answerError(res, new ApiError('InternalServerError', 'the tag proxy could not reach DynamoDB Local', 500), 599);
    const headers = { ...up.headers, 'content-length': String(up.body.length) };
    delete headers['transfer-encoding'];
    res.writeHead(up.status, headers);
    res.end(up.body);
    return up.status;
  }

  function answer(res: http.ServerResponse, value: Json | undefined): number {
    const body = value === undefined ? '' : JSON.stringify(value);
    res.writeHead(200, { 'content-type': 'application/x-amz-json-1.0', 'content-length': Buffer.byteLength(body) });
    res.end(body);
    return 200;
  }

  function answerError(res: http.ServerResponse, e: ApiError, recorded = e.status): number {
    const body = JSON.stringify({ __type: `com.amazonaws.dynamodb.v20120810#${e.type}`, message: e.message });
    res.writeHead(e.status, { 'content-type': 'application/x-amz-json-1.0', 'content-length': Buffer.byteLength(body) });
    res.end(body);
    return recorded;
  }

  /** The tags of the table the ARN names, after checking with DynamoDB Local that it is that table's. */
  async function tableTags(req: http.IncomingMessage, db: string, arn: unknown): Promise<{ arn: string; tags: Tags }> {
    if (typeof arn !== 'string' || arn === '')
      throw new ApiError(
        'ValidationException',
        "1 validation error detected: Value null at 'resourceArn' failed to satisfy constraint: Member must not be null",
      );
    const m = ARN.exec(arn);
    if (!m) throw new ApiError('ValidationException', `Invalid TableArn: Invalid ResourceArn provided as input ${arn}`);
    const up = await send(req, Buffer.alloc(0), { operation: 'DescribeTable', body: Buffer.from(JSON.stringify({ TableName: m[1] })) });
    if (up.status === 599) throw new ApiError('InternalServerError', 'the tag proxy could not reach DynamoDB Local', 500);
    const described = parseJson(up.body);
    const tableArn = (described.Table as Json | undefined)?.TableArn;
    if (up.status !== 200 || tableArn !== arn) throw new ApiError('ResourceNotFoundException', `Requested resource not found: ResourceArn: ${arn} not found`);
    const tables = dbOf(db);
    const tags = tables.get(arn) ?? new Map<string, string>();
    tables.set(arn, tags);
    return { arn, tags };
  }

  async function dynamodb(req: http.IncomingMessage, body: Buffer, res: http.ServerResponse, db: string, operation: string, input: Json): Promise<number> {
    switch (operation) {
      case 'TagResource': {
        const add = tagList(input.Tags, true);
        const { arn, tags } = await tableTags(req, db, input.ResourceArn);
        const next = new Map(tags);
        for (const t of add) next.set(t.Key, t.Value);
        checkCount(next, arn);
        for (const t of add) tags.set(t.Key, t.Value);
        return answer(res, undefined);
      }
      case 'UntagResource': {
        if (!Array.isArray(input.TagKeys))
          throw new ApiError(
            'ValidationException',
            "1 validation error detected: Value null at 'tagKeys' failed to satisfy constraint: Member must not be null",
          );
        const { tags } = await tableTags(req, db, input.ResourceArn);
        for (const k of input.TagKeys) tags.delete(String(k));
        return answer(res, undefined);
      }
      case 'ListTagsOfResource': {
        const { tags } = await tableTags(req, db, input.ResourceArn);
        return answer(res, { Tags: [...tags].map(([Key, Value]) => ({ Key, Value })) });
      }
      case 'CreateTable': {
        const given = new Map(tagList(input.Tags, false).map((t) => [t.Key, t.Value]));
        checkCount(given, String(input.TableName));
        const up = await send(req, body);
        const arn = (parseJson(up.body).TableDescription as Json | undefined)?.TableArn;
        if (up.status === 200 && typeof arn === 'string') {
          if (given.size > 0) dbOf(db).set(arn, given);
          else dbOf(db).delete(arn);
        }
        return reply(res, up);
      }
      case 'DeleteTable': {
        const up = await send(req, body);
        const arn = (parseJson(up.body).TableDescription as Json | undefined)?.TableArn;
        if (up.status === 200 && typeof arn === 'string') dbOf(db).delete(arn);
        return reply(res, up);
      }
      default:
        return reply(res, await send(req, body));
    }
  }

  const server = http.createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const body = Buffer.concat(chunks);
    // SigV4: Credential=<access key>/<date>/<region>/<service>/aws4_request
    const scope = /Credential=([^/,\s]+)\/\d{8}\/([^/]+)\//.exec(String(req.headers.authorization ?? ''));
    const region = scope?.[2] ?? 'us-east-1';
    const db = `${scope?.[1] ?? ''}_${region}`;
    const xTarget = String(req.headers['x-amz-target'] ?? '');
    const operation = xTarget.startsWith(TARGET_PREFIX) ? xTarget.slice(TARGET_PREFIX.length) : `${req.method} ${String(req.url).split('?')[0]}`;
    const call: DynamoDbLocalCall = { operation, region, status: 0, at: Date.now() };
    calls.push(call);
    try {
      if (!xTarget.startsWith(TARGET_PREFIX)) {
        call.status = reply(res, await send(req, body));
        return;
      }
      const input = parseJson(body);
      const named = input.TableName ?? input.ResourceArn;
      if (typeof named === 'string') call.table = named.includes(':table/') ? named.split(':table/')[1].split('/')[0] : named;
      if (operation === 'TagResource' || operation === 'UntagResource' || operation === 'ListTagsOfResource') call.answeredByProxy = true;
      call.status = await dynamodb(req, body, res, db, operation, input);
    } catch (e) {
      const err = e instanceof ApiError ? e : new ApiError('InternalServerError', `DynamoDB Local tag proxy: ${(e as Error).message}`, 500);
      call.status = res.headersSent ? 500 : answerError(res, err);
      if (!res.writableEnded) res.end();
    }
  });
  const port = await freePort();
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', () => resolve()));

  return {
    endpoint: `http://127.0.0.1:${port}`,
    calls,
    tagsOf(arn, db) {
      const tables = db ? [store.get(`${db.accessKeyId}_${db.region}`)] : [...store.values()];
      const tags = tables.map((t) => t?.get(arn)).find((t) => t !== undefined);
      return Object.fromEntries(tags ?? []);
    },
    async stop() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      agent.destroy();
    },
  };
}

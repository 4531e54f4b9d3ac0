/**
 * CloudFormation's read API on the loopback, for the provider's request authentication: it
 * answers `DescribeStackResource` (and `DescribeStacks`) from the stack state that the stack
 * engine or the custom-resource harness keeps, in CloudFormation's own wire format (the AWS
 * query protocol, API version 2010-05-15; the SDK v3 client speaks awsQuery to it).
 *
 * What CloudFormation shows, and so what this server shows (CloudFormation API reference,
 * DescribeStackResource / StackResourceDetail; user guide, "Stack status codes"):
 * - a resource that CloudFormation is working on has ResourceStatus CREATE_IN_PROGRESS,
 *   UPDATE_IN_PROGRESS or DELETE_IN_PROGRESS, and LastUpdatedTimestamp is when it entered it;
 * - a stack's own status says which phase it is in (UPDATE_IN_PROGRESS,
 *   UPDATE_COMPLETE_CLEANUP_IN_PROGRESS, UPDATE_ROLLBACK_IN_PROGRESS, ...);
 * - StackName accepts the stack's name or its ID; an unknown stack or logical ID is a
 *   ValidationError (HTTP 400).
 * - GetTemplate with TemplateStage Processed returns the template after its transforms ran, the
 *   one being deployed while an update runs and, once it has rolled back, the previous one.
 */
import * as http from 'node:http';
import { randomUUID } from 'node:crypto';
import { stackNameOf } from '../../contract/resources';
import { freePort } from './ports';

export interface StackResourceState {
  logicalId: string;
  resourceType: string;
  physicalId?: string;
  status: string;
  /** When the resource entered its status. */
  lastUpdated: Date;
}

export interface StackState {
  stackId: string;
  stackName: string;
  status: string;
  resources: Map<string, StackResourceState>;
}

export interface CloudFormationApi {
  endpoint: string;
  /** Every call received: its Action and the stack and logical ID it named. */
  calls: { action: string; stackName?: string; logicalId?: string }[];
  stacks: Map<string, StackState>;
  /** The stack with this ID, made on first use with the given name (the ID's second segment by default). */
  stack(stackId: string, status?: string): StackState;
  setStackStatus(stackId: string, status: string): void;
  /** Sets a resource's status (and physical ID), stamping LastUpdatedTimestamp with now unless given. */
  setResource(stackId: string, r: Omit<StackResourceState, 'lastUpdated'> & { lastUpdated?: Date }): StackResourceState;
  resource(stackId: string, logicalId: string): StackResourceState | undefined;
  removeResource(stackId: string, logicalId: string): void;
  /** The template GetTemplate returns (TemplateStage Processed: after the transforms ran). */
  setTemplate(stackId: string, template: unknown): void;
  stop(): Promise<void>;
}

const NS = 'http://cloudformation.amazonaws.com/doc/2010-05-15/';

const xml = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

function send(res: http.ServerResponse, status: number, body: string) {
  res.writeHead(status, { 'content-type': 'text/xml', 'content-length': Buffer.byteLength(body) });
  res.end(body);
}

function error(res: http.ServerResponse, code: string, message: string) {
  send(
    res,
    400,
    `<ErrorResponse xmlns="${NS}"><Error><Type>Sender</Type><Code>${code}</Code><Message>${xml(message)}</Message></Error><RequestId>` +
      `${randomUUID()}</RequestId></ErrorResponse>`,
  );
}

export async function startCloudFormationApi(): Promise<CloudFormationApi> {
  const port = await freePort();
  const stacks = new Map<string, StackState>();
  const calls: CloudFormationApi['calls'] = [];
  const templates = new Map<string, unknown>();

  const find = (nameOrId: string): StackState | undefined =>
    stacks.get(nameOrId) ?? [...stacks.values()].find((s) => s.stackName === nameOrId && !s.status.startsWith('DELETE_COMPLETE'));

  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const params = new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
      const action = params.get('Action') ?? '';
      const stackName = params.get('StackName') ?? undefined;
      const logicalId = params.get('LogicalResourceId') ?? undefined;
      calls.push({ action, stackName, logicalId });
      const stack = stackName ? find(stackName) : undefined;
      if (action === 'DescribeStackResource') {
        if (!stack) return error(res, 'ValidationError', `Stack '${stackName}' does not exist`);
        const r = logicalId ? stack.resources.get(logicalId) : undefined;
        if (!r) return error(res, 'ValidationError', `Resource ${logicalId} does not exist for stack ${stack.stackName}`);
        const detail =
          `<StackId>${xml(stack.stackId)}</StackId><StackName>${xml(stack.stackName)}</StackName><LogicalResourceId>${xml(r.logicalId)}</LogicalResourceId>` +
          (r.physicalId !== undefined ? `<PhysicalResourceId>${xml(r.physicalId)}</PhysicalResourceId>` : '') +
          `<ResourceType>${xml(r.resourceType)}</ResourceType><LastUpdatedTimestamp>${r.lastUpdated.toISOString()}</LastUpdatedTimestamp>` +
          `<ResourceStatus>${r.status}</ResourceStatus>`;
        return send(
          res,
          200,
          `<DescribeStackResourceResponse ` +
            `xmlns="${NS}"><DescribeStackResourceResult><StackResourceDetail>${detail}</StackResourceDetail></DescribeStackResourceResult>` +
            `<ResponseMetadata><RequestId>${randomUUID()}</RequestId></ResponseMetadata></DescribeStackResourceResponse>`,
        );
      }
      if (action === 'GetTemplate') {
        if (!stack) return error(res, 'ValidationError', `Stack with id ${stackName} does not exist`);
        const body = templates.get(stack.stackId);
        if (body === undefined) return error(res, 'ValidationError', `Template for stack ${stack.stackName} is not available`);
        return send(
          res,
          200,
          `<GetTemplateResponse xmlns="${NS}"><GetTemplateResult><TemplateBody>${xml(JSON.stringify(body))}</TemplateBody><StagesAvailable><member>` +
            `Original</member><member>Processed</member></StagesAvailable></GetTemplateResult><ResponseMetadata><RequestId>` +
            `${randomUUID()}</RequestId></ResponseMetadata></GetTemplateResponse>`,
        );
      }
      if (action === 'DescribeStacks') {
        if (!stack) return error(res, 'ValidationError', `Stack with id ${stackName} does not exist`);
        const member =
          `<member><StackId>${xml(stack.stackId)}</StackId><StackName>${xml(stack.stackName)}</StackName><CreationTime>` +
          `2026-01-01T00:00:00.000Z</CreationTime><StackStatus>${stack.status}</StackStatus></member>`;
        return send(
          res,
          200,
          `<DescribeStacksResponse ` +
            `xmlns="${NS}"><DescribeStacksResult><Stacks>${member}</Stacks></DescribeStacksResult><ResponseMetadata><RequestId>` +
            `${randomUUID()}</RequestId></ResponseMetadata></DescribeStacksResponse>`,
        );
      }
      return error(res, 'InvalidAction', `The action ${action} is not valid for this local CloudFormation API`);
    });
  });
  await new Promise<void>((r) => server.listen(port, '127.0.0.1', () => r()));

  const api: CloudFormationApi = {
    endpoint: `http://127.0.0.1:${port}`,
    calls,
    stacks,
    stack(stackId, status = 'CREATE_IN_PROGRESS') {
      let s = stacks.get(stackId);
      if (!s) {
        s = { stackId, stackName: stackNameOf(stackId), status, resources: new Map() };
        stacks.set(stackId, s);
      }
      return s;
    },
    setStackStatus(stackId, status) {
      api.stack(stackId).status = status;
    },
    setResource(stackId, r) {
      const s = api.stack(stackId);
      const state: StackResourceState = { ...r, lastUpdated: r.lastUpdated ?? new Date() };
      s.resources.set(r.logicalId, state);
      return state;
    },
    resource: (stackId, logicalId) => stacks.get(stackId)?.resources.get(logicalId),
    removeResource(stackId, logicalId) {
      stacks.get(stackId)?.resources.delete(logicalId);
    },
    setTemplate(stackId, template) {
      templates.set(stackId, template);
    },
    stop: () => new Promise((r) => server.close(() => r())),
  };
  return api;
}

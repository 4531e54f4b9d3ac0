/**
 * SDK v3 clients, made once per region and service and reused across invocations (a new client
 * per call defeats keep-alive; AWS's Lambda guidance: initialise clients outside the handler).
 * Endpoint overrides come from the environment so tests can point every service at the local
 * replica simulator in front of moto_server; in AWS the overrides are simply unset.
 */
import { SFNClient } from '@aws-sdk/client-sfn';
import { DescribeTableCommand, DynamoDBClient, type TableDescription } from '@aws-sdk/client-dynamodb';
import { S3Client } from '@aws-sdk/client-s3';
import { ApplicationAutoScalingClient } from '@aws-sdk/client-application-auto-scaling';
import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { LambdaClient } from '@aws-sdk/client-lambda';
import { CloudFormationClient } from '@aws-sdk/client-cloudformation';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import type { AwsClients } from './types';

/** One endpoint for every service (tests), or per service: ARC_DYNAMODB_ENDPOINT_DYNAMODB, …_S3, … */
export const ENDPOINT_ENV = 'ARC_DYNAMODB_AWS_ENDPOINT';

export interface ClientOptions {
  homeRegion: string;
  /** Overrides per service name ('dynamodb', 's3', 'autoscaling', 'cloudwatch', 'lambda', 'cloudformation'), or '*' for all. */
  endpoints?: Record<string, string | undefined>;
  credentials?: { accessKeyId: string; secretAccessKey: string; sessionToken?: string };
  /** Attempts per call, including the first; the SDK's standard mode retries throttling, 5xx and resets. */
  maxAttempts?: number;
  /** Called once on every client made (tests add middleware here, e.g. to count calls). */
  configure?: (client: { middlewareStack: unknown }, service: string, region: string) => void;
}

type Service = 'dynamodb' | 's3' | 'autoscaling' | 'cloudwatch' | 'lambda' | 'cloudformation' | 'sfn';

export interface ProviderClients extends AwsClients {
  lambda(region?: string): LambdaClient;
  /** CloudFormation in the home region: the provider asks it whether a request is really its own. */
  cloudformation(): CloudFormationClient;
  /** Step Functions in the home region: distributed loads. */
  sfn(): SFNClient;
}

export function endpointsFromEnv(env: NodeJS.ProcessEnv): Record<string, string | undefined> {
  return {
    '*': env[ENDPOINT_ENV],
    dynamodb: env.ARC_DYNAMODB_ENDPOINT_DYNAMODB,
    s3: env.ARC_DYNAMODB_ENDPOINT_S3,
    autoscaling: env.ARC_DYNAMODB_ENDPOINT_AUTOSCALING,
    cloudwatch: env.ARC_DYNAMODB_ENDPOINT_CLOUDWATCH,
    lambda: env.ARC_DYNAMODB_ENDPOINT_LAMBDA,
    cloudformation: env.ARC_DYNAMODB_ENDPOINT_CLOUDFORMATION,
    sfn: env.ARC_DYNAMODB_ENDPOINT_SFN,
  };
}

export function makeAwsClients(opts: ClientOptions): ProviderClients {
  const cache = new Map<string, unknown>();
  const requestHandler = new NodeHttpHandler({ connectionTimeout: 5000, requestTimeout: 30000 });
  function get<T extends { middlewareStack: unknown }>(service: Service, region: string | undefined, make: (c: Record<string, unknown>) => T): T {
    const r = region ?? opts.homeRegion;
    const key = `${service}:${r}`;
    let client = cache.get(key) as T | undefined;
    if (!client) {
      const endpoint = opts.endpoints?.[service] ?? opts.endpoints?.['*'];
      client = make({
        region: r,
        maxAttempts: opts.maxAttempts ?? 6,
        retryMode: 'standard',
        requestHandler,
        ...(endpoint ? { endpoint } : {}),
        ...(opts.credentials ? { credentials: opts.credentials } : {}),
        ...(service === 's3' && endpoint ? { forcePathStyle: true } : {}),
      });
      opts.configure?.(client, service, r);
      cache.set(key, client);
    }
    return client;
  }
  return {
    homeRegion: opts.homeRegion,
    dynamodb: (region) => get('dynamodb', region, (c) => new DynamoDBClient(c)),
    s3: (region) => get('s3', region, (c) => new S3Client(c)),
    autoscaling: (region) => get('autoscaling', region, (c) => new ApplicationAutoScalingClient(c)),
    cloudwatch: (region) => get('cloudwatch', region, (c) => new CloudWatchClient(c)),
    lambda: (region) => get('lambda', region, (c) => new LambdaClient(c)),
    cloudformation: () => get('cloudformation', undefined, (c) => new CloudFormationClient(c)),
    sfn: () => get('sfn', undefined, (c) => new SFNClient(c)),
  };
}

/** The table as DescribeTable reports it, or undefined when DynamoDB says it does not exist. */
export async function describeTable(ddb: DynamoDBClient, tableName: string): Promise<TableDescription | undefined> {
  try {
    return (await ddb.send(new DescribeTableCommand({ TableName: tableName }))).Table;
  } catch (e) {
    if (awsErrorName(e) === 'ResourceNotFoundException') return undefined;
    throw e;
  }
}

/** The SDK v3 error name (its exception class, e.g. ResourceNotFoundException), or '' for anything else thrown. */
export function awsErrorName(e: unknown): string {
  return (e as { name?: string } | undefined)?.name ?? '';
}

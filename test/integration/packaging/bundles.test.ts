import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { build } from 'esbuild';
import { PROVIDER_ARN_ENV } from '../../../contract/resources';
import { RESPONSE_URL_OVERRIDE_ENV } from '../../../provider/handler';
import { ENDPOINT_ENV } from '../../../provider/aws';
import { STATE_TABLE_ENV } from '../../../provider/guard/state-store';
import { CreateTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { startCloudFormationApi, type CloudFormationApi } from '../../support/cloudformation-api';
import { startMoto, type Moto } from '../../support/moto';
import { freePort } from '../../support/ports';
import { ROOT, samTranslate, type CfnTemplate } from './sam-template';

interface EsbuildMetadata {
  BuildMethod: string;
  BuildProperties: { EntryPoints: string[]; Target: string; Format: string; Minify: boolean; Sourcemap: boolean };
}

/**
 * Builds a function the way `sam build` does for `BuildMethod: esbuild` (aws-lambda-builders'
 * NodejsNpmEsbuildBuilder: `esbuild --bundle --platform=node --outdir=<artifacts>` plus the
 * BuildProperties), into a folder outside the repository so that the bundle cannot fall back on
 * node_modules: what loads here is what Lambda gets.
 */
async function samEsbuild(template: CfnTemplate, functionId: string): Promise<{ dir: string; handler: string }> {
  const fn = template.Resources[functionId];
  const meta = fn.Metadata as unknown as EsbuildMetadata;
  expect(meta.BuildMethod).toBe('esbuild');
  const globals = (template.Globals?.Function ?? {}) as { CodeUri?: string; Handler?: string };
  const codeUri = (fn.Properties?.CodeUri as string | undefined) ?? globals.CodeUri ?? '.';
  const handler = (fn.Properties?.Handler as string | undefined) ?? globals.Handler ?? '';
  const dir = mkdtempSync(join(tmpdir(), `arc-sam-build-${functionId}-`));
  const p = meta.BuildProperties;
  await build({
    absWorkingDir: join(ROOT, codeUri),
    entryPoints: p.EntryPoints,
    bundle: true,
    platform: 'node',
    outdir: dir,
    target: p.Target,
    format: p.Format as 'cjs',
    minify: p.Minify,
    sourcemap: p.Sourcemap,
    logLevel: 'silent',
  });
  return { dir, handler };
}

/** The handler's logs go to stdout too (as in Lambda); its return value follows this mark. */
const RESULT_MARK = '\n@@handler-result@@';
const resultOf = (stdout: string) => JSON.parse(stdout.slice(stdout.lastIndexOf(RESULT_MARK) + RESULT_MARK.length)) as unknown;

/** Loads the bundle in a fresh node process, as the Lambda runtime would, and calls its handler once. */
function invoke(
  dir: string,
  handler: string,
  event: unknown,
  context: unknown,
  env: Record<string, string>,
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const [file, exported] = handler.split('.');
  const script = `const m = require(${JSON.stringify(join(dir, `${file}.js`))});
    Promise.resolve(m[${JSON.stringify(exported)}](${JSON.stringify(event)}, { ...${JSON.stringify(context)}, getRemainingTimeInMillis: () => 60000 }))
      .then(
        (r) => { process.stdout.write(${JSON.stringify(RESULT_MARK)} + JSON.stringify(r === undefined ? null : r)); },
        (e) => { process.stderr.write('THREW ' + e.stack); process.exitCode = 1; },
      );`;
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['-e', script], {
      cwd: dir,
      env: { PATH: process.env.PATH ?? '', AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true', ...env },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('exit', (code) => resolve({ code, stdout, stderr }));
  });
}

describe('Lambda bundles built as `sam build` builds them (template.yaml Metadata)', () => {
  let template: CfnTemplate;
  beforeAll(() => {
    template = samTranslate().original;
  });

  it('the macro bundle loads on its own and expands a small fragment with status success', async () => {
    const { dir, handler } = await samEsbuild(template, 'MacroFunction');
    expect(handler).toBe('handler.handler');
    expect(existsSync(join(dir, 'handler.js'))).toBe(true);
    const event = {
      region: 'eu-west-1',
      accountId: '123456789012',
      transformId: '123456789012::ArcDynamoDb',
      requestId: 'req-1',
      params: {},
      templateParameterValues: {},
      fragment: {
        AWSTemplateFormatVersion: '2010-09-09',
        Resources: { Orders: { Type: 'Arc::DynamoDB::Table', Properties: { TableName: 'orders', HashKey: 'pk', Attributes: [{ Name: 'pk', Type: 'S' }] } } },
      },
    };
    const r = await invoke(
      dir,
      handler,
      event,
      { awsRequestId: 'l-1' },
      { [PROVIDER_ARN_ENV]: 'arn:aws:lambda:eu-west-1:123456789012:function:arc-dynamodb-provider', AWS_REGION: 'eu-west-1' },
    );
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const response = resultOf(r.stdout) as {
      requestId: string;
      status: string;
      fragment: { Resources: Record<string, { Type: string; Properties: Record<string, unknown> }> };
    };
    expect(response.requestId).toBe('req-1');
    expect(response.status).toBe('success');
    expect(response.fragment.Resources.Orders.Type).toBe('AWS::DynamoDB::Table');
    expect(response.fragment.Resources.Orders.Properties.TableName).toBe('orders');
  });

  describe('the provider bundle', () => {
    let moto: Moto;
    let cfnApi: CloudFormationApi;
    let server: Server;
    let port: number;
    const received: { method?: string; url?: string; body: string }[] = [];
    beforeAll(async () => {
      moto = await startMoto();
      cfnApi = await startCloudFormationApi();
      const ddb = new DynamoDBClient({ region: 'us-east-1', endpoint: moto.endpoint, credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' } });
      await ddb.send(
        new CreateTableCommand({
          TableName: 'provider-state',
          BillingMode: 'PAY_PER_REQUEST',
          AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }],
          KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
        }),
      );
      ddb.destroy();
      port = await freePort();
      server = createServer((req, res) => {
        let body = '';
        req.on('data', (d) => (body += d));
        req.on('end', () => {
          received.push({ method: req.method, url: req.url, body });
          res.writeHead(200).end();
        });
      });
      await new Promise<void>((r) => server.listen(port, '127.0.0.1', r));
    });
    afterAll(async () => {
      await new Promise((r) => server?.close(r));
      await cfnApi?.stop();
      await moto?.stop();
    });

    it('loads on its own and answers a Delete for a table that is gone with SUCCESS at the ResponseURL', async () => {
      const { dir, handler } = await samEsbuild(template, 'ProviderFunction');
      expect(handler).toBe('handler.handler');
      const responseUrl = `http://127.0.0.1:${port}/cloudformation-response?X-Amz-Signature=abc`;
      const event = {
        RequestType: 'Delete',
        ServiceToken: 'arn:aws:lambda:us-east-1:123456789012:function:arc-dynamodb-provider',
        ResponseURL: responseUrl,
        StackId: 'arn:aws:cloudformation:us-east-1:123456789012:stack/app/11111111-2222-3333-4444-555555555555',
        RequestId: 'cfn-req-1',
        LogicalResourceId: 'OrdersReplicas',
        PhysicalResourceId: 'arc-dynamodb:replicas:gone-table',
        ResourceType: 'Custom::ArcDynamoDbReplicas',
        ResourceProperties: {
          ServiceToken: 'arn:aws:lambda:us-east-1:123456789012:function:arc-dynamodb-provider',
          ServiceTimeout: '600',
          TableName: 'gone-table',
          BillingMode: 'PAY_PER_REQUEST',
          Replicas: [{ RegionName: 'us-west-2', PropagateTags: 'true', PointInTimeRecoveryEnabled: 'false' }],
          Tags: [],
          WaitForReplication: 'false',
          RetainOnDelete: 'false',
        },
      };
      // CloudFormation is deleting that resource, as its own record shows (the provider asks).
      cfnApi.setResource(event.StackId, {
        logicalId: 'OrdersReplicas',
        resourceType: 'Custom::ArcDynamoDbReplicas',
        physicalId: event.PhysicalResourceId,
        status: 'DELETE_IN_PROGRESS',
      });
      cfnApi.setStackStatus(event.StackId, 'DELETE_IN_PROGRESS');
      const r = await invoke(
        dir,
        handler,
        event,
        { awsRequestId: 'l-2', invokedFunctionArn: 'arn:aws:lambda:us-east-1:123456789012:function:arc-dynamodb-provider' },
        {
          AWS_REGION: 'us-east-1',
          AWS_ACCESS_KEY_ID: 'testing',
          AWS_SECRET_ACCESS_KEY: 'testing',
          [ENDPOINT_ENV]: moto.endpoint,
          ARC_DYNAMODB_ENDPOINT_CLOUDFORMATION: cfnApi.endpoint,
          [STATE_TABLE_ENV]: 'provider-state',
          [RESPONSE_URL_OVERRIDE_ENV]: `http://127.0.0.1:${port}/`,
        },
      );
      expect(r.code).toBe(0);
      expect(r.stderr).not.toContain('THREW');
      expect(received).toHaveLength(1);
      expect(received[0].method).toBe('PUT');
      expect(received[0].url).toBe('/cloudformation-response?X-Amz-Signature=abc');
      const body = JSON.parse(received[0].body) as Record<string, unknown>;
      expect(body).toMatchObject({
        Status: 'SUCCESS',
        RequestId: 'cfn-req-1',
        LogicalResourceId: 'OrdersReplicas',
        StackId: event.StackId,
        PhysicalResourceId: 'arc-dynamodb:replicas:gone-table',
      });
    });
  });
});

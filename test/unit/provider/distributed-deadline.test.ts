/**
 * How long a distributed load's sealed run lives (provider/load/distributed/run.ts): until the
 * operation's work must end. For a load that takes the long-operation path (a WaitCondition,
 * provider/protocol/long-operation.ts), CloudFormation is answered early and the work goes on
 * until the WaitCondition's Timeout (up to 43,200 s: AWS::CloudFormation::WaitCondition, Timeout,
 * https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-cloudformation-waitcondition.html),
 * not the custom resource's ServiceTimeout (at most 3,600 s), so the run must not expire at the
 * ServiceTimeout: its workers would refuse every batch after it and the load would fail.
 */
import type { CfnEvent } from '../../../provider/protocol/event';
import { createProvider, DEFAULT_CONFIG } from '../../../provider/protocol/run';
import type { HandlerRequest, Logger } from '../../../provider/types';
import { fakeSession } from '../../support/fake-session';

const quiet: Logger = { info: () => undefined, warn: () => undefined, error: () => undefined };
const HANDLE =
  'https://cloudformation-waitcondition-us-east-1.s3.amazonaws.com/' +
  'arn%3Aaws%3Acloudformation%3Aus-east-1%3A123456789012%3Astack%2Fapp%2F5b6c%2FLoadWaitHandle?Signature=abc';

async function firstHop(props: Record<string, unknown>): Promise<HandlerRequest<unknown>> {
  const seen: HandlerRequest<unknown>[] = [];
  const session = fakeSession({ operationStart: Date.now() - 60_000 });
  const provider = createProvider({
    clients: { homeRegion: 'us-east-1' } as never,
    handlers: [
      {
        resourceType: 'Custom::ArcDynamoDbLoad',
        parseProperties: (raw) => raw,
        tableName: () => 'orders',
        handle: async (req) => {
          seen.push(req);
          return { status: 'done', physicalResourceId: 'arc-dynamodb-load:orders:Load' };
        },
      },
    ],
    guard: { admit: async () => ({ kind: 'proceed', session }), sealedPhysicalId: async () => undefined },
    continuation: { continue: async () => undefined },
    transport: async () => 200,
    log: quiet,
    config: { ...DEFAULT_CONFIG, responseAttempts: 1, responseBaseDelayMs: 1 },
  });
  const event: CfnEvent = {
    RequestType: 'Create',
    ResponseURL: 'https://cloudformation-custom-resource-response-useast1.s3.amazonaws.com/x?X-Amz-Signature=s',
    StackId: 'arn:aws:cloudformation:us-east-1:123456789012:stack/app/5b6c',
    RequestId: 'req-1',
    ResourceType: 'Custom::ArcDynamoDbLoad',
    LogicalResourceId: 'Load',
    ResourceProperties: { ServiceToken: 'arn', TableName: 'orders', ServiceTimeout: '3600', ...props },
  };
  await provider(event, { awsRequestId: 'lambda-1', getRemainingTimeInMillis: () => 900_000 });
  expect(seen.length).toBe(1);
  return seen[0];
}

test('a long operation (WaitCondition) gives its handler the WaitCondition Timeout as the work deadline, beyond the ServiceTimeout', async () => {
  const req = await firstHop({ WaitHandle: HANDLE, WaitTimeout: 43_200 });
  expect(req.serviceDeadline).toBeDefined();
  expect(req.workDeadline).toBeDefined();
  // Counted from CloudFormation's request (a minute ago), less the same margin as the ServiceTimeout's.
  expect(req.workDeadline! - req.serviceDeadline!).toBe((43_200 - 3_600) * 1000);
});

test('without a WaitCondition the work deadline is the ServiceTimeout deadline', async () => {
  const req = await firstHop({});
  expect(req.workDeadline).toBe(req.serviceDeadline);
});

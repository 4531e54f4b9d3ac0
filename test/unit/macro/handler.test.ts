import { PROVIDER_ARN_ENV } from '../../../contract/resources';
import { handler } from '../../../macro/handler';

const table = {
  Type: 'Arc::DynamoDB::Table',
  Properties: { HashKey: 'id', Attributes: [{ Name: 'id', Type: 'S' }], Monitoring: { Enabled: false } },
};

function event(overrides: Record<string, unknown> = {}) {
  return {
    region: 'us-east-1',
    accountId: '123456789012',
    fragment: { Resources: { Orders: table } },
    transformId: '123456789012::ArcDynamoDb',
    params: {},
    requestId: 'req-42',
    templateParameterValues: {},
    ...overrides,
  };
}

describe('macro handler contract', () => {
  it('echoes the requestId and returns status success with the expanded fragment', async () => {
    const res = await handler(event());
    expect(res.requestId).toBe('req-42');
    expect(res.status).toBe('success');
    expect(res.errorMessage).toBeUndefined();
    const fragment = res.fragment as { Resources: Record<string, { Type: string }> };
    expect(fragment.Resources.Orders.Type).toBe('AWS::DynamoDB::Table');
    expect(Object.keys(res).sort()).toEqual(['fragment', 'requestId', 'status']);
  });

  it('returns status failure with the exact errorMessage and no fragment for invalid properties', async () => {
    const bad = { Resources: { Orders: { ...table, Properties: { HashKey: 'id', Attributes: [{ Name: 'id', Type: 'S' }], BillingMode: 'FREE' } } } };
    const res = await handler(event({ fragment: bad, requestId: 'req-7' }));
    expect(res).toEqual({
      requestId: 'req-7',
      status: 'failure',
      errorMessage:
        '1 error(s) in Arc::DynamoDB::Table resources:\n- [Orders] BillingMode: must be one of PAY_PER_REQUEST, PROVISIONED or a Ref to a template ' +
        'parameter (ARC-E1012)',
    });
  });

  it('resolves shape-deciding Refs from templateParameterValues', async () => {
    const fragment = {
      Resources: { Orders: { ...table, Properties: { ...table.Properties, BillingMode: { Ref: 'Mode' }, ReadCapacity: 5, WriteCapacity: 5 } } },
    };
    const res = await handler(event({ fragment, templateParameterValues: { Mode: 'PROVISIONED' } }));
    expect(res.status).toBe('success');
    const props = (res.fragment as { Resources: { Orders: { Properties: Record<string, unknown> } } }).Resources.Orders.Properties;
    expect(props.BillingMode).toBe('PROVISIONED');
    expect(props.ProvisionedThroughput).toEqual({ ReadCapacityUnits: 5, WriteCapacityUnits: 5 });
  });

  it.each([
    ['null', null, ''],
    ['a string', 'not an event', ''],
    ['an array', [], ''],
    ['an event without a fragment', { requestId: 'r1', region: 'us-east-1', accountId: '1' }, 'r1'],
    ['an event whose requestId is a number', { requestId: 5, region: 'us-east-1', accountId: '1', fragment: {} }, ''],
  ])('never throws on %s: status failure, an errorMessage, and the requestId echoed when it is a string', async (_name, e, requestId) => {
    const res = await handler(e);
    expect(res.status).toBe('failure');
    expect(res.requestId).toBe(requestId);
    expect(typeof res.errorMessage).toBe('string');
    expect(res.errorMessage!.length).toBeGreaterThan(0);
    expect(res.fragment).toBeUndefined();
  });

  it('never throws even when reading the event throws', async () => {
    const hostile = new Proxy(
      {},
      {
        get: () => {
          throw new Error('trap');
        },
        ownKeys: () => {
          throw new Error('trap');
        },
      },
    );
    const res = await handler(hostile);
    expect(res).toEqual({ requestId: '', status: 'failure', errorMessage: 'ArcDynamoDb macro: internal error: trap' });
  });

  it('names the missing event fields', async () => {
    const res = await handler({ requestId: 'r1', fragment: {} });
    expect(res.errorMessage).toBe('ArcDynamoDb macro: the event has no region, accountId');
  });

  it('fails a fragment whose Resources is not an object, naming the template', async () => {
    const res = await handler(event({ fragment: { Resources: 'x' } }));
    expect(res.errorMessage).toBe('1 error(s) in Arc::DynamoDB::Table resources:\n- [Template] Resources: must be an object of resources (ARC-E0001)');
  });

  it('logs one structured line without parameter values or template content', async () => {
    const lines: string[] = [];
    const spy = jest.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
      lines.push(String(chunk));
      return true;
    });
    try {
      await handler(event({ templateParameterValues: { Secret: 'hunter2-secret-value' } }));
    } finally {
      spy.mockRestore();
    }
    expect(lines).toHaveLength(1);
    const entry = JSON.parse(lines[0]);
    expect(entry).toMatchObject({ level: 'info', component: 'arc-dynamodb-macro', requestId: 'req-42', status: 'success', errors: 0 });
    expect(lines[0]).not.toContain('hunter2');
    expect(lines[0]).not.toContain('Arc::DynamoDB::Table');
  });

  it('gives generated custom resources the provider ARN from its environment', async () => {
    const arn = 'arn:aws:lambda:us-east-1:123456789012:function:arc-dynamodb-provider-x';
    const before = process.env[PROVIDER_ARN_ENV];
    process.env[PROVIDER_ARN_ENV] = arn;
    try {
      const fragment = { Resources: { Orders: { ...table, Properties: { ...table.Properties, ReplicaRegions: [{ RegionName: 'eu-west-1' }] } } } };
      const res = await handler(event({ fragment }));
      const resources = (res.fragment as { Resources: Record<string, { Properties: { ServiceToken?: unknown } }> }).Resources;
      expect(resources.OrdersReplicas.Properties.ServiceToken).toBe(arn);
    } finally {
      if (before === undefined) delete process.env[PROVIDER_ARN_ENV];
      else process.env[PROVIDER_ARN_ENV] = before;
    }
  });
});

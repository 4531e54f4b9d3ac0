/**
 * A transform's error message lands in the stack events, readable by everyone who can describe
 * the stack, so the macro never prints a template parameter's resolved value (it may be NoEcho).
 */
import { expandTemplate } from '../../../macro/expand';
import { handler } from '../../../macro/handler';

const SECRET = 'hunter2-not-a-billing-mode';
const fragment = {
  Parameters: { Mode: { Type: 'String', NoEcho: true }, Flag: { Type: 'String', NoEcho: true } },
  Resources: {
    T: {
      Type: 'Arc::DynamoDB::Table',
      Properties: { BillingMode: { Ref: 'Mode' }, PointInTimeRecoveryEnabled: { Ref: 'Flag' }, HashKey: 'id', Attributes: [{ Name: 'id', Type: 'S' }] },
    },
  },
};

it('names the parameter and the property but never prints a parameter value', () => {
  const r = expandTemplate({ region: 'us-east-1', accountId: '123456789012', fragment, templateParameterValues: { Mode: SECRET, Flag: `${SECRET}-flag` } });
  expect(r.ok).toBe(false);
  const message = r.ok ? '' : r.errorMessage;
  expect(message).toContain("[T] BillingMode: must be one of PAY_PER_REQUEST, PROVISIONED; the value of parameter 'Mode' is not");
  expect(message).toContain("[T] PointInTimeRecoveryEnabled: must be true or false; the value of parameter 'Flag' is not");
  expect(message).not.toContain(SECRET);
});

it('the Lambda handler neither answers nor logs the value', async () => {
  const lines: string[] = [];
  const write = jest.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    lines.push(String(chunk));
    return true;
  });
  const spies = (['log', 'info', 'warn', 'error'] as const).map((m) =>
    jest.spyOn(console, m).mockImplementation((...a: unknown[]) => void lines.push(a.map(String).join(' '))),
  );
  try {
    const out = await handler({
      requestId: 'r1',
      region: 'us-east-1',
      accountId: '123456789012',
      fragment,
      templateParameterValues: { Mode: SECRET, Flag: 'x' },
      params: {},
    } as never);
    expect(out.status).toBe('failure');
    expect(JSON.stringify(out)).not.toContain(SECRET);
  } finally {
    write.mockRestore();
    for (const s of spies) s.mockRestore();
  }
  expect(lines.join('\n')).not.toContain(SECRET);
});

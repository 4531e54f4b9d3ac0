/**
 * The macro Lambda: maps CloudFormation's macro event to expandTemplate and back.
 * Event and response shapes: AWS CloudFormation user guide, "Macro function interface"
 * (template-macros-author.html): the response echoes requestId, status is "success" or anything
 * else for failure, and errorMessage is shown in the stack events.
 */
import { PROVIDER_ARN_ENV } from '../contract/resources';
import { expandTemplate } from './expand';
import { isObject } from './model/values';

export interface MacroResponse {
  requestId: string;
  status: 'success' | 'failure';
  fragment?: unknown;
  errorMessage?: string;
}

function log(fields: Record<string, unknown>): void {
  // Structured and content-free: templateParameterValues can hold secrets, fragments can be large.
  process.stdout.write(`${JSON.stringify({ level: 'info', component: 'arc-dynamodb-macro', ...fields })}\n`);
}

export async function handler(event: unknown): Promise<MacroResponse> {
  const started = Date.now();
  let requestId = '';
  try {
    requestId = isObject(event) && typeof event.requestId === 'string' ? event.requestId : '';
    if (!isObject(event))
      return { requestId, status: 'failure', errorMessage: 'ArcDynamoDb macro: the event is not a macro event (an object with fragment, region, accountId)' };
    const missing = ['fragment', 'region', 'accountId'].filter((k) => event[k] === undefined);
    if (missing.length > 0) return { requestId, status: 'failure', errorMessage: `ArcDynamoDb macro: the event has no ${missing.join(', ')}` };
    const params = isObject(event.templateParameterValues) ? event.templateParameterValues : undefined;
    const token = process.env[PROVIDER_ARN_ENV];
    const result = expandTemplate({
      fragment: event.fragment,
      templateParameterValues: params,
      region: String(event.region),
      accountId: String(event.accountId),
      ...(token ? { providerServiceToken: token } : {}),
    });
    log({ requestId, status: result.ok ? 'success' : 'failure', errors: result.ok ? 0 : result.errors.length, ms: Date.now() - started });
    return result.ok ? { requestId, status: 'success', fragment: result.fragment } : { requestId, status: 'failure', errorMessage: result.errorMessage };
  } catch (e) {
    return { requestId, status: 'failure', errorMessage: `ArcDynamoDb macro: internal error: ${(e as Error).message}` };
  }
}

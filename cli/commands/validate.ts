/**
 * `arc-dynamodb validate <template> [--param Key=Value]... [--region R] [--account A]`
 *
 * The same checks as `expand`, without printing the template: prints
 * `OK: <n> Arc tables, <m> resources` (m counts the resources after expansion), or the errors.
 * Exit codes: 0 valid; 1 invalid or unreadable template; 2 usage error.
 */
import type { Command } from '../io';
import { countArcTables, DEFAULT_ACCOUNT, runExpansion, writeErrors } from './expand';

export const VALIDATE_HELP = `usage: arc-dynamodb validate <template.yaml|template.json> [options]

Checks the Arc::DynamoDB::Table resources of a template offline, with the same code the
ArcDynamoDb macro runs, without printing the expanded template.

options:
  --param Key=Value     a template parameter value (repeatable); others take their Default
  --region R            the stack's region (default: $AWS_REGION, $AWS_DEFAULT_REGION or us-east-1)
  --account A           the stack's 12-digit account ID (default: ${DEFAULT_ACCOUNT})
  --provider-arn ARN    the provider Lambda's ARN
  -h, --help            show this help

exit codes: 0 valid, 1 invalid or unreadable template, 2 usage error
`;

export const run: Command = async (args, io) => {
  const outcome = runExpansion('validate', args, io, {}, VALIDATE_HELP);
  if ('code' in outcome) return outcome.code;
  if (!outcome.result.ok) {
    writeErrors(outcome.result, outcome.file, io);
    return 1;
  }
  const resources = outcome.result.fragment.Resources;
  const m = resources !== null && typeof resources === 'object' ? Object.keys(resources).length : 0;
  const n = countArcTables(outcome.loaded.template);
  io.stdout.write(`OK: ${n} Arc table${n === 1 ? '' : 's'}, ${m} resource${m === 1 ? '' : 's'}\n`);
  return 0;
};

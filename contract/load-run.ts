/**
 * The name of a distributed load's Step Functions execution (provider/load/distributed/run.ts):
 * `arc-<resource>-<request>`, where `<resource>` names the custom resource (its stack and logical
 * ID) and `<request>` the CloudFormation request that started the load. The provider names the
 * execution after the request, so a retried first invocation keeps the first start; the CLI finds a
 * resource's executions by the prefix (`arc-dynamodb status`). Execution names are at most 80
 * characters of letters, digits, '-' and '_' (Step Functions API reference, StartExecution, name).
 */
import { createHash } from 'node:crypto';

const hash = (s: string, n: number) => createHash('sha256').update(s).digest('hex').slice(0, n);

/** What every execution of one resource's distributed loads starts with. */
export const loadRunPrefix = (stackId: string, logicalId: string): string => `arc-${hash(`${stackId}\n${logicalId}`, 16)}-`;

export const loadRunName = (stackId: string, logicalId: string, requestId: string): string =>
  `${loadRunPrefix(stackId, logicalId)}${hash(`${stackId}\n${logicalId}\n${requestId}`, 24)}`;

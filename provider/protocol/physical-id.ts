/**
 * Physical IDs. CloudFormation requires the same ID in every response for the same resource
 * ("must be identical for all responses for the same resource", crpg-ref-responses); a
 * different ID on Update means replacement, and CloudFormation then deletes the old one.
 *
 * A failed Create answers with a marker ID. CloudFormation rolls back by sending Delete with the
 * ID of the FAILED response (aws/aws-cdk PR#5525), and a Delete carrying the marker is
 * acknowledged without touching anything: nothing was created.
 */
export const CREATE_FAILED_MARKER = 'arc-dynamodb:CREATE_FAILED';

export function createFailedId(logicalResourceId: string): string {
  return `${CREATE_FAILED_MARKER}:${logicalResourceId}`;
}

export function isCreateFailedId(physicalResourceId: string | undefined): boolean {
  return physicalResourceId !== undefined && physicalResourceId.startsWith(`${CREATE_FAILED_MARKER}:`);
}

/** The deterministic ID of a resource kind on a table: same inputs, same ID, every time. */
export function resourceId(kind: string, tableName: string): string {
  return `arc-dynamodb:${kind}:${tableName}`;
}

/**
 * One error shape for everything the macro rejects: the Arc resource's logical ID, the property
 * path inside its Properties (`GlobalSecondaryIndexes[0].Name`), and a sentence.
 */
export interface ArcError {
  logicalId: string;
  path: string;
  message: string;
}

/** The logical ID used for problems with the template as a whole (limits, a missing Resources section). */
export const TEMPLATE_SCOPE = 'Template';

/** Renders the failure response's `errorMessage`: a count line, then one line per error. */
export function formatErrors(errors: readonly ArcError[]): string {
  const lines = errors.map((e) => `- [${e.logicalId}] ${e.path ? `${e.path}: ` : ''}${e.message}`);
  return [`${errors.length} error(s) in Arc::DynamoDB::Table resources:`, ...lines].join('\n');
}

/** Joins a property path: `join('A', 0, 'B')` is `A[0].B`. */
export function joinPath(...parts: (string | number)[]): string {
  let out = '';
  for (const part of parts) {
    if (typeof part === 'number') out += `[${part}]`;
    else if (part !== '') out += out === '' ? part : `.${part}`;
  }
  return out;
}

/**
 * One error shape for everything the macro rejects, as SAM's error breakdown and cfn-lint's
 * findings: the rule that found it (macro/rules/catalog.ts), the Arc resource's logical ID, the
 * property path inside its Properties (`GlobalSecondaryIndexes[0].Name`), and a sentence.
 */
export interface ArcError {
  rule: string;
  logicalId: string;
  path: string;
  message: string;
}

/** The logical ID used for problems with the template as a whole (limits, a missing Resources section). */
export const TEMPLATE_SCOPE = 'Template';

/** One error as a line of the errorMessage: `- [LogicalId] Path: message (ARC-E3003)`. */
export function formatError(e: ArcError): string {
  return `- [${e.logicalId}] ${e.path ? `${e.path}: ` : ''}${e.message} (${e.rule})`;
}

/** Renders the failure response's `errorMessage`: a count line, then one line per error. */
export function formatErrors(errors: readonly ArcError[]): string {
  return [`${errors.length} error(s) in Arc::DynamoDB::Table resources:`, ...errors.map(formatError)].join('\n');
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

/** `a` is `b` or lies inside it: `within('A[0].B', 'A')` and `within('A', 'A')` are true. */
export function within(path: string, ancestor: string): boolean {
  if (ancestor === '') return true;
  return path === ancestor || path.startsWith(`${ancestor}.`) || path.startsWith(`${ancestor}[`);
}

/**
 * The paths at which errors were already reported for one table, so that later checks can tell
 * what did not parse. A rule must not report what only echoes one of these errors.
 */
export class FailedPaths {
  private readonly paths: string[];
  /** `also`: paths with no error of their own whose value is still not what the user meant. */
  constructor(errors: readonly ArcError[], also: readonly string[] = []) {
    this.paths = [...new Set([...errors.map((e) => e.path), ...also])];
  }

  /** An error was reported at `path` or at a parent of it: the value at `path` is not known. */
  at(path: string): boolean {
    return this.paths.some((p) => within(path, p));
  }

  /** An error was reported at `path`, a parent, or anywhere inside it: part of it is not known. */
  touching(path: string): boolean {
    return this.paths.some((p) => within(path, p) || within(p, path));
  }

  get any(): boolean {
    return this.paths.length > 0;
  }
}

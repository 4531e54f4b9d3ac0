/**
 * Runs the preinstalled Python cfn-lint (1.51, with aws-sam-translator) on many templates in ONE
 * python process through its API (`cfnlint.api.lint`). Starting cfn-lint costs ~1.4 s per
 * process (measured; docs/local-stand-ins.md), so tests batch every template they lint.
 */
import { spawn } from 'node:child_process';

export type LintLevel = 'error' | 'warning' | 'informational';

export interface LintMatch {
  /** The rule id, e.g. `E3002`. */
  rule: string;
  level: LintLevel;
  message: string;
  /** The JSON path of the finding, e.g. `Resources/T/Properties/TableNme`. */
  path: string;
}

export interface LintOptions {
  regions?: string[];
  /** Rule ids (or prefixes) cfn-lint should not run, e.g. `['W3037']`. */
  ignoreChecks?: string[];
  /** Python processes to spread the templates over (default 1; each costs ~1 s to start). */
  processes?: number;
}

const SCRIPT = `
import json, sys
from cfnlint.api import lint, ManualArgs
req = json.load(sys.stdin)
args = dict(regions=req['regions'])
if req['ignore']:
    args['ignore_checks'] = req['ignore']
config = ManualArgs(**args)
out = {}
for name, text in req['templates'].items():
    found = []
    for m in lint(text, config=config):
        found.append({'rule': m.rule.id, 'level': m.rule.severity, 'message': m.message,
                      'path': '/'.join(str(p) for p in m.path)})
    out[name] = found
json.dump(out, sys.stdout)
`;

/** Lints every template (an object, or JSON/YAML text) and returns the matches per template name. */
export async function lintTemplates(templates: Record<string, unknown>, options: LintOptions = {}): Promise<Record<string, LintMatch[]>> {
  const entries = Object.entries(templates);
  const n = Math.max(1, Math.min(options.processes ?? 1, entries.length));
  const chunks: Record<string, unknown>[] = Array.from({ length: n }, () => ({}));
  entries.forEach(([name, t], i) => (chunks[i % n][name] = t));
  const results = await Promise.all(chunks.map((chunk) => lintInOneProcess(chunk, options)));
  return Object.assign({}, ...results) as Record<string, LintMatch[]>;
}

function lintInOneProcess(templates: Record<string, unknown>, options: LintOptions): Promise<Record<string, LintMatch[]>> {
  const texts: Record<string, string> = {};
  for (const [name, t] of Object.entries(templates)) texts[name] = typeof t === 'string' ? t : JSON.stringify(t, null, 1);
  const request = JSON.stringify({ regions: options.regions ?? ['us-east-1'], ignore: options.ignoreChecks ?? [], templates: texts });
  return new Promise((resolve, reject) => {
    // The SAM translator (used for AWS::Serverless templates) needs a region in the environment.
    const child = spawn('python3', ['-c', SCRIPT], {
      stdio: ['pipe', 'pipe', 'pipe'],
      env: { ...process.env, AWS_DEFAULT_REGION: (options.regions ?? ['us-east-1'])[0] },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', (e) => reject(new Error(`cannot run python3 for cfn-lint: ${e.message}`)));
    child.on('close', (code) => {
      if (code !== 0) return reject(new Error(`cfn-lint (python3) exited with ${code}: ${stderr.slice(-2000)}`));
      try {
        resolve(JSON.parse(stdout) as Record<string, LintMatch[]>);
      } catch (e) {
        reject(new Error(`cfn-lint printed no JSON: ${(e as Error).message}; stderr: ${stderr.slice(-2000)}`));
      }
    });
    child.stdin.end(request);
  });
}

import { execFileSync } from 'node:child_process';
import { SCENARIOS } from '../../unit/monitoring/scenarios';
import { templateFor } from './template';

/**
 * cfn-lint 1.51 (Python, in-process API) over a template holding each scenario's alarms and
 * dashboard. One Python process lints every scenario and prints the matches as JSON.
 */
function lintAll(templates: Record<string, unknown>): Record<string, string[]> {
  const script = [
    'import json, sys',
    'from cfnlint.api import lint, ManualArgs',
    'templates = json.load(sys.stdin)',
    'out = {}',
    'for name, t in templates.items():',
    '    matches = lint(json.dumps(t), config=ManualArgs(regions=["us-east-1"]))',
    '    out[name] = [f"{m.rule.id} {m.message} ({\'/\'.join(str(p) for p in m.path)})" for m in matches]',
    'print(json.dumps(out))',
  ].join('\n');
  const stdout = execFileSync('python3', ['-c', script], { input: JSON.stringify(templates), encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  return JSON.parse(stdout) as Record<string, string[]>;
}

describe('cfn-lint accepts the monitoring resources of every scenario', () => {
  it('reports no error, warning or informational match for any scenario', () => {
    const templates = Object.fromEntries(Object.entries(SCENARIOS).map(([name, t]) => [name, templateFor(t).template]));
    const results = lintAll(templates);
    expect(Object.keys(results).sort()).toEqual(Object.keys(SCENARIOS).sort());
    for (const [name, matches] of Object.entries(results)) expect({ name, matches }).toEqual({ name, matches: [] });
  });

  it('does flag a broken alarm, so a clean result means something', () => {
    const { template } = templateFor(SCENARIOS.onDemandDefaults);
    const resources = template.Resources as Record<string, { Properties: Record<string, unknown> }>;
    resources.OrdersReadThrottleEventsAlarm.Properties.ComparisonOperator = 'BiggerThan';
    const results = lintAll({ broken: template });
    expect(results.broken.some((m) => m.startsWith('E3030') && m.includes('BiggerThan'))).toBe(true);
  });
});

import { execFileSync } from 'node:child_process';
import { join } from 'node:path';

export const ROOT = join(__dirname, '..', '..', '..');

type Json = unknown;
export interface CfnTemplate {
  Parameters?: Record<string, { Type: string; Default?: unknown }>;
  Conditions?: Record<string, Json>;
  Resources: Record<string, { Type: string; Properties?: Record<string, Json>; Metadata?: Record<string, Json>; Condition?: string }>;
  Outputs?: Record<string, { Value: Json; Export?: { Name: Json } }>;
  Globals?: Record<string, Record<string, Json>>;
}

/** template.yaml as written, and after the SAM transform (run offline by the preinstalled aws-sam-translator). */
export function samTranslate(path = join(ROOT, 'template.yaml')): { original: CfnTemplate; translated: CfnTemplate } {
  const out = execFileSync('python3', [join(__dirname, 'sam_translate.py'), path], { encoding: 'utf8', maxBuffer: 32 * 1024 * 1024 });
  return JSON.parse(out) as { original: CfnTemplate; translated: CfnTemplate };
}

export interface Deployment {
  parameters: Record<string, string>;
  partition: string;
  region: string;
  accountId: string;
}

/**
 * Evaluates the intrinsics that template.yaml uses (Ref, Fn::Sub, Fn::Join, Fn::Split, Fn::If and
 * the condition functions) the way CloudFormation would for one deployment, so that tests can
 * assert the effective policy rather than its spelling. `Fn::GetAtt X.Arn` evaluates to
 * `<X.Arn>`: those ARNs name the stack's own resources.
 */
export function evaluate(template: CfnTemplate, value: Json, d: Deployment): Json {
  const pseudo: Record<string, string> = {
    'AWS::Partition': d.partition,
    'AWS::Region': d.region,
    'AWS::AccountId': d.accountId,
    'AWS::StackName': 'arc-dynamodb',
  };
  const param = (name: string): string | string[] => {
    if (name in pseudo) return pseudo[name];
    const p = template.Parameters?.[name];
    if (p) {
      const raw = d.parameters[name] ?? String(p.Default ?? '');
      return p.Type === 'CommaDelimitedList' ? raw.split(',') : raw;
    }
    if (template.Resources[name]) return `<${name}>`;
    throw new Error(`Ref to unknown name ${name}`);
  };
  const condition = (name: string): boolean => {
    const c = template.Conditions?.[name];
    if (c === undefined) throw new Error(`unknown condition ${name}`);
    return Boolean(ev(c));
  };
  const sub = (s: string, vars: Record<string, Json>): string =>
    s.replace(/\$\{([^}!]+)\}/g, (_m, name: string) => {
      if (name in vars) return String(vars[name]);
      if (name.includes('.')) return `<${name}>`;
      const v = param(name);
      if (Array.isArray(v)) throw new Error(`Fn::Sub of list parameter ${name}`);
      return v;
    });
  const NO_VALUE = Symbol('NoValue');
  const ev = (v: Json): Json => {
    if (Array.isArray(v)) return v.map(ev).filter((x) => x !== NO_VALUE);
    if (v === null || typeof v !== 'object') return v;
    const o = v as Record<string, Json>;
    const keys = Object.keys(o);
    if (keys.length === 1) {
      const [k] = keys;
      const a = o[k];
      switch (k) {
        case 'Ref':
          return a === 'AWS::NoValue' ? NO_VALUE : param(a as string);
        case 'Fn::GetAtt':
          return `<${(a as string[]).join('.')}>`;
        case 'Fn::Sub':
          if (typeof a === 'string') return sub(a, {});
          {
            const [s, m] = a as [string, Record<string, Json>];
            const vars = Object.fromEntries(Object.entries(m).map(([n, x]) => [n, ev(x)]));
            return sub(s, vars);
          }
        case 'Fn::Join': {
          const [sep, list] = a as [string, Json];
          return (ev(list) as Json[]).map(String).join(sep);
        }
        case 'Fn::Split': {
          const [sep, s] = a as [string, Json];
          return String(ev(s)).split(sep);
        }
        case 'Fn::If': {
          const [c, yes, no] = a as [string, Json, Json];
          return ev(condition(c) ? yes : no);
        }
        case 'Fn::Equals': {
          const [x, y] = a as [Json, Json];
          return JSON.stringify(ev(x)) === JSON.stringify(ev(y));
        }
        case 'Fn::Not':
          return !ev((a as Json[])[0]);
        case 'Fn::And':
          return (a as Json[]).every((x) => Boolean(ev(x)));
        case 'Fn::Or':
          return (a as Json[]).some((x) => Boolean(ev(x)));
        case 'Condition':
          return condition(a as string);
      }
    }
    const out: Record<string, Json> = {};
    for (const [k, x] of Object.entries(o)) {
      const r = ev(x);
      if (r !== NO_VALUE) out[k] = r;
    }
    return out;
  };
  return ev(value);
}

export interface Statement {
  Sid?: string;
  Effect: string;
  Action: string | string[];
  Resource: string | string[];
  Condition?: Record<string, Record<string, string | string[]>>;
}

/** Every statement of every inline policy of a role, evaluated for one deployment. */
export function roleStatements(template: CfnTemplate, roleId: string, d: Deployment): Statement[] {
  const role = template.Resources[roleId];
  if (role?.Type !== 'AWS::IAM::Role') throw new Error(`${roleId} is not an AWS::IAM::Role`);
  const props = evaluate(template, role.Properties, d) as { Policies?: { PolicyDocument: { Statement: Statement[] } }[]; ManagedPolicyArns?: unknown };
  return (props.Policies ?? []).flatMap((p) => p.PolicyDocument.Statement);
}

export const list = (x: string | string[]): string[] => (Array.isArray(x) ? x : [x]);

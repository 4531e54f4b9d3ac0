/**
 * Reads CloudFormation templates written in YAML (with the short-form intrinsic tags) or JSON,
 * and writes templates back as YAML or JSON.
 *
 * Short forms are turned into the long JSON form CloudFormation itself uses, as documented in
 * https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/intrinsic-function-reference.html
 * (e.g. `!Ref X` -> `{ Ref: X }`, `!GetAtt A.B` -> `{ 'Fn::GetAtt': ['A', 'B'] }`).
 */
import { Document, isScalar, parse, parseDocument, Scalar, visit, type ScalarTag, type CollectionTag, type YAMLMap, type YAMLSeq } from 'yaml';

/** A template that could not be read; `message` is one line, with the line and column when known. */
export class TemplateReadError extends Error {}

type AnyTag = ScalarTag | CollectionTag;

/** Short tag name -> long key. `Ref` and `Condition` are not `Fn::` functions. */
const FUNCTIONS: Record<string, string> = {
  Ref: 'Ref',
  Condition: 'Condition',
  Sub: 'Fn::Sub',
  GetAtt: 'Fn::GetAtt',
  Join: 'Fn::Join',
  If: 'Fn::If',
  Select: 'Fn::Select',
  Split: 'Fn::Split',
  FindInMap: 'Fn::FindInMap',
  ImportValue: 'Fn::ImportValue',
  Base64: 'Fn::Base64',
  Cidr: 'Fn::Cidr',
  GetAZs: 'Fn::GetAZs',
  Equals: 'Fn::Equals',
  And: 'Fn::And',
  Or: 'Fn::Or',
  Not: 'Fn::Not',
  Transform: 'Fn::Transform',
  ToJsonString: 'Fn::ToJsonString',
  Length: 'Fn::Length',
};

/**
 * `!GetAtt Resource.Attribute` splits at the FIRST dot only: attribute names may contain dots
 * themselves (e.g. `!GetAtt Db.Endpoint.Address` -> ['Db', 'Endpoint.Address']).
 */
function getAttScalar(value: string): unknown {
  const dot = value.indexOf('.');
  return { 'Fn::GetAtt': dot < 0 ? [value] : [value.slice(0, dot), value.slice(dot + 1)] };
}

function buildTags(): AnyTag[] {
  const tags: AnyTag[] = [];
  for (const [short, long] of Object.entries(FUNCTIONS)) {
    const tag = `!${short}`;
    tags.push({
      tag,
      resolve: (value: string) => (short === 'GetAtt' ? getAttScalar(value) : { [long]: value }),
    });
    for (const collection of ['seq', 'map'] as const) {
      tags.push({
        tag,
        collection,
        // toJSON() turns the nested nodes (including already-resolved inner short forms) into plain data.
        resolve: (node: YAMLMap.Parsed | YAMLSeq.Parsed) => ({ [long]: node.toJSON() }),
      });
    }
  }
  return tags;
}

const CUSTOM_TAGS = buildTags();

/** Parses a template from text. JSON is read as JSON (exact numbers and errors); anything else as YAML. */
export function parseTemplate(text: string, source = 'template'): unknown {
  const trimmed = text.trimStart();
  if (trimmed.startsWith('{')) {
    try {
      return JSON.parse(text);
    } catch (e) {
      throw new TemplateReadError(`${source}: invalid JSON: ${(e as Error).message}`);
    }
  }
  const doc = parseDocument(text, { customTags: CUSTOM_TAGS, uniqueKeys: true, prettyErrors: true });
  // Unknown tags (e.g. a typo like `!Reff`) are only warnings in the yaml package; CloudFormation rejects them.
  const problem = doc.errors[0] ?? doc.warnings.find((w) => w.code === 'TAG_RESOLVE_FAILED');
  if (problem) {
    const where = problem.linePos ? ` (line ${problem.linePos[0].line}, column ${problem.linePos[0].col})` : '';
    const message = problem.message
      .split('\n')[0]
      .replace(/ at line \d+, column \d+:?$/, '')
      .trim();
    throw new TemplateReadError(`${source}: invalid YAML${where}: ${message}`);
  }
  return doc.toJS({ maxAliasCount: 1000 });
}

export type OutputFormat = 'json' | 'yaml';

/** True when a YAML 1.2 (core schema) reader would read this string, written plain, as something else: `0o17` is 15. */
function misreadUnder12(text: string): boolean {
  try {
    return typeof parse(text, { version: '1.2', schema: 'core' }) !== 'string';
  } catch {
    return false; // not a plain scalar at all: the writer quotes it anyway
  }
}

/**
 * Writes a template. YAML output uses the long form (valid CloudFormation YAML) and never emits
 * anchors or aliases. It is written as YAML 1.1, so strings a 1.1 parser would read as something
 * else (`yes`, `on`, `2010-09-09`, `0755`) are quoted; so are strings a 1.2 parser would read as
 * something else (`0o17`, `0x1F`, `.inf`): the output reads the same under 1.1 and 1.2.
 */
export function formatTemplate(template: unknown, format: OutputFormat): string {
  if (format === 'json') return `${JSON.stringify(template, null, 2)}\n`;
  const doc = new Document(template, { version: '1.1', aliasDuplicateObjects: false });
  visit(doc, {
    Scalar(_key, node) {
      if (isScalar(node) && typeof node.value === 'string' && misreadUnder12(node.value)) node.type = Scalar.QUOTE_DOUBLE;
    },
  });
  return doc.toString({ lineWidth: 0 });
}

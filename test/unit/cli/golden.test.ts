/**
 * The CLI agrees with the golden fixtures: `arc-dynamodb expand <input>` (with the case's
 * params.json given as --param) prints exactly test/fixtures/output/<case>.json, and for error_*
 * cases prints exactly the golden errorMessage on stderr, one line per entry of the golden's
 * `errors` breakdown (each ending with its rule ID), and exits 1. This ties the CLI's own
 * handling of parameters, defaults and the Transform section to what the macro was specified with.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { Writable } from 'node:stream';
import { main } from '../../../cli/main';

const root = join(__dirname, '..', '..', '..');
const inputDir = join(root, 'test', 'fixtures', 'input');
const outputDir = join(root, 'test', 'fixtures', 'output');
const examplesDir = join(root, 'templates', 'examples');

class Capture extends Writable {
  text = '';
  override _write(chunk: Buffer, _enc: BufferEncoding, done: () => void): void {
    this.text += chunk.toString();
    done();
  }
}

interface Case {
  name: string;
  input: string;
  output: string;
  params: string[];
}

function cases(): Case[] {
  const out: Case[] = [];
  const inputs = existsSync(inputDir)
    ? readdirSync(inputDir)
        .filter((f) => /\.(ya?ml|json)$/.test(f) && !f.endsWith('.params.json'))
        .sort()
    : [];
  for (const f of inputs) {
    const name = f.replace(/\.(ya?ml|json)$/, '');
    const sidecar = join(inputDir, `${name}.params.json`);
    const params = existsSync(sidecar)
      ? Object.entries(JSON.parse(readFileSync(sidecar, 'utf8')) as Record<string, unknown>).flatMap(([k, v]) => [
          '--param',
          `${k}=${Array.isArray(v) ? v.join(',') : String(v)}`,
        ])
      : [];
    out.push({ name, input: join(inputDir, f), output: join(outputDir, `${name}.json`), params });
  }
  const examples = existsSync(examplesDir)
    ? readdirSync(examplesDir)
        .filter((f) => /\.ya?ml$/.test(f))
        .sort()
    : [];
  for (const f of examples)
    out.push({
      name: `example_${f.replace(/\.ya?ml$/, '')}`,
      input: join(examplesDir, f),
      output: join(outputDir, `example_${f.replace(/\.ya?ml$/, '')}.json`),
      params: [],
    });
  return out.filter((c) => existsSync(c.output));
}

const all = cases();

test('golden cases are found', () => {
  expect(all.length).toBeGreaterThan(10);
  expect(all.some((c) => c.name.startsWith('error_'))).toBe(true);
});

test.each(all.map((c) => [c.name, c] as const))('expand %s matches its golden output', async (_name, c) => {
  const stdout = new Capture();
  const stderr = new Capture();
  const file = relative(root, c.input);
  const code = await main(['expand', file, ...c.params], { stdout, stderr, cwd: root, env: {} });
  const golden = readFileSync(c.output, 'utf8');
  const warning = /^warning: .*\n/;
  if (c.name.startsWith('error_')) {
    const { errorMessage, errors } = JSON.parse(golden) as {
      errorMessage: string;
      errors: { rule: string; logicalId: string; path: string; message: string }[];
    };
    expect({ code, stdout: stdout.text, stderr: stderr.text.replace(warning, '') }).toEqual({ code: 1, stdout: '', stderr: `${file}: ${errorMessage}\n` });
    // The breakdown and the text agree: one line per recorded error, naming its rule.
    const lines = stderr.text.replace(warning, '').trimEnd().split('\n').slice(1);
    expect(lines).toEqual(errors.map((e) => `- [${e.logicalId}] ${e.path ? `${e.path}: ` : ''}${e.message} (${e.rule})`));
  } else {
    expect({ code, stderr: stderr.text.replace(warning, '') }).toEqual({ code: 0, stderr: '' });
    expect(stdout.text).toBe(golden);
  }
});

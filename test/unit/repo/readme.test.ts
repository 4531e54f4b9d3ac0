/**
 * The house rule for a fresh machine: the README opens with two commands, `npm ci && npm start`
 * (the main job on the embedded default) and `npm ci && npm test` (every test), and `.ci/run` runs
 * exactly the README's test command. A line above them (a note, a badge) breaks the promise.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

const ROOT = join(__dirname, '..', '..', '..');
const read = (f: string) => readFileSync(join(ROOT, f), 'utf8');

describe('README and .ci/run', () => {
  it('opens with the title, one line, then a code block of exactly the two fresh-machine commands', () => {
    const lines = read('README.md').split('\n');
    expect(lines[0]).toBe('# arc-dynamodb');
    const start = lines.indexOf('```bash');
    expect(start).toBeGreaterThan(0);
    expect(start).toBeLessThan(5);
    const block = lines.slice(start + 1, lines.indexOf('```', start + 1)).map((l) => l.replace(/\s+#.*$/, '').trim());
    expect(block).toEqual(['npm ci && npm start', 'npm ci && npm test']);
  });

  it(".ci/run's last command is the README's test command", () => {
    const commands = read('.ci/run')
      .split('\n')
      .map((l) => l.trim())
      .filter((l) => l && !l.startsWith('#'));
    expect(commands[commands.length - 1]).toBe('npm ci && npm test');
  });

  it('npm start and npm test are the scripts the README promises', () => {
    const pkg = JSON.parse(read('package.json')) as { scripts: Record<string, string> };
    expect(pkg.scripts.start).toMatch(/local up templates\/examples\//);
    expect(pkg.scripts.test).toMatch(/jest/);
  });
});

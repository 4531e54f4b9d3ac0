// Fails when a tracked source line is longer than 160 characters. Biome's formatter keeps code
// to 160 columns but leaves long strings and comments alone; this keeps those in bounds too.
import { execSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

const MAX = 160;
const files = execSync('git ls-files "*.ts" "*.mjs" "*.cjs"', { encoding: 'utf8' })
  .split('\n')
  .filter((f) => f !== '' && !f.includes('/generated/'));
const long = [];
for (const f of files) {
  readFileSync(f, 'utf8')
    .split('\n')
    .forEach((line, i) => {
      if (line.length > MAX) long.push(`${f}:${i + 1}: ${line.length} characters`);
    });
}
if (long.length > 0) {
  console.error(`${long.length} line(s) over ${MAX} characters:\n${long.join('\n')}`);
  process.exit(1);
}
console.log(`line length: every line of ${files.length} files is at most ${MAX} characters`);

// `npm run bench`: runs every benchmark in bench/*.bench.ts, in name order, in one process each.
// Each prints its own figures beside the baseline measured in the same run (medians and ratios).
import { readdirSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const dir = dirname(fileURLToPath(import.meta.url));
const only = process.argv.slice(2);
let failed = 0;
for (const file of readdirSync(dir)
  .filter((f) => f.endsWith('.bench.ts'))
  .sort()) {
  if (only.length && !only.some((o) => file.includes(o))) continue;
  process.stdout.write(`\n=== ${file}\n`);
  const r = spawnSync(process.execPath, ['-r', '@swc-node/register', join(dir, file)], {
    stdio: 'inherit',
    env: { ...process.env, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
  });
  if (r.status !== 0) failed++;
}
process.exit(failed ? 1 : 0);

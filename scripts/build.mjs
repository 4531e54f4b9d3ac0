// Builds what the tests, the CLI and `sam build` use:
//   1. registered build steps (e.g. the ajv standalone validator compiled from schema/), in order;
//   2. esbuild bundles: dist/macro/index.js, dist/provider/index.js (Lambda handlers) and dist/cli.js.
// Each step is a module in scripts/build-steps/ exporting `run()`; they run in file-name order.
import { build } from 'esbuild';
import { readdirSync, existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const stepsDir = join(root, 'scripts', 'build-steps');
if (existsSync(stepsDir)) {
  for (const file of readdirSync(stepsDir)
    .filter((f) => f.endsWith('.mjs'))
    .sort()) {
    const step = await import(pathToFileURL(join(stepsDir, file)).href);
    await step.run(root);
  }
}

const lambda = { bundle: true, platform: 'node', target: 'node22', format: 'cjs', minify: true, sourcemap: false, legalComments: 'none', logLevel: 'warning' };
const bundles = [
  { entry: 'macro/handler.ts', outfile: 'dist/macro/index.js', opts: lambda },
  { entry: 'provider/handler.ts', outfile: 'dist/provider/index.js', opts: lambda },
  {
    entry: 'cli/main.ts',
    outfile: 'dist/cli.js',
    opts: { bundle: true, platform: 'node', target: 'node20', format: 'cjs', packages: 'external', logLevel: 'warning' },
  },
];
for (const b of bundles) {
  if (!existsSync(join(root, b.entry))) continue; // bring-up: a part not written yet has no bundle
  await build({ ...b.opts, absWorkingDir: root, entryPoints: [b.entry], outfile: b.outfile });
}

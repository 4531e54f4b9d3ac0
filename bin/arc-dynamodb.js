#!/usr/bin/env node
'use strict';
const { existsSync } = require('node:fs');
const { join } = require('node:path');
const cli = join(__dirname, '..', 'dist', 'cli.js');
// The SDK warns on node < 22 about releases after January 2027; the CLI supports node >= 20 and says so in package.json.
if (process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED === undefined) process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
if (!existsSync(cli)) {
  process.stderr.write('arc-dynamodb: dist/cli.js is missing; run `npm run build` (npm ci runs it for you)\n');
  process.exit(1);
}
require(cli)
  .main(process.argv.slice(2), { stdout: process.stdout, stderr: process.stderr, cwd: process.cwd(), env: process.env })
  .then((code) => { process.exitCode = code; });

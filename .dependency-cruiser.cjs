/**
 * The layering (docs/architecture.md), checked in `npm test` by dependency-cruiser:
 *   contract  <-  load  <-  local
 *      ^  ^        ^
 *      |  |        |
 *   macro  provider ---'        cli -> contract, load, local, macro
 * No folder imports one above it, and no two import each other.
 */
const folder = (name) => `^${name}/`;
const only = (from, allowed) => ({
  name: `${from}-imports-only-${allowed.join('-') || 'nothing'}`,
  severity: 'error',
  comment: `${from}/ may import only ${allowed.length ? allowed.map((a) => `${a}/`).join(', ') : 'no other project folder'} (docs/architecture.md)`,
  from: { path: folder(from) },
  to: { path: '^(contract|macro|load|local|provider|cli|test|bench|scripts)/', pathNot: [folder(from), ...allowed.map(folder)] },
});

module.exports = {
  forbidden: [
    only('contract', []),
    only('macro', ['contract']),
    only('load', ['contract']),
    only('local', ['contract', 'load']),
    only('provider', ['contract', 'load']),
    only('cli', ['contract', 'load', 'local', 'macro']),
    { name: 'no-cycles', severity: 'error', comment: 'no circular imports', from: {}, to: { circular: true } },
    {
      name: 'contract-has-no-packages',
      severity: 'error',
      comment: 'contract/ is shapes and pure functions shared by every part: no npm packages',
      from: { path: '^contract/' },
      to: { dependencyTypes: ['npm', 'npm-dev', 'npm-optional', 'npm-peer', 'npm-bundled'] },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '(^|/)(node_modules|dist|dist-tsc)/|generated/' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
  },
};

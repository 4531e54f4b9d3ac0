/**
 * `npm run e2e:aws`: runs the end-to-end scenarios (test/e2e/scenarios) against a real AWS
 * account, through the deployed ArcDynamoDb macro and provider, and writes a JSON and a text
 * report. Never part of `npm test`. See docs/deploy.md, "Verify a release on your own account".
 *
 * Refuses to start unless ARC_E2E_ACCOUNT names the account the credentials belong to (STS
 * GetCallerIdentity when @aws-sdk/client-sts is installed, otherwise the account in the macro
 * stack's ID), and the macro stack, the macro and the provider function exist. Always tears down
 * what it created, also when a scenario fails or the run is interrupted (SIGINT/SIGTERM).
 *
 * Exit codes: 0 every scenario passed (or failed only as a known defect), 1 a scenario failed,
 * 2 the run refused to start (configuration, account, or missing macro), 3 teardown left something.
 */
import { SCENARIOS } from '../test/e2e/scenarios';
import { formatReport, runScenario, summarize, writeReport, type ScenarioReport } from '../test/e2e/runner';
import { AwsBackend, parseAwsConfig, runPrefix } from '../test/e2e/aws-backend';

async function main(): Promise<number> {
  const { config, errors } = parseAwsConfig(process.env);
  if (!config) {
    for (const e of errors) console.error(`e2e:aws: ${e}`);
    console.error('e2e:aws: see docs/deploy.md, "Verify a release on your own account".');
    return 2;
  }
  const backend = new AwsBackend(config);
  const pre = await backend.preflight().catch((e: Error) => ({ ok: false, notes: [], problems: [`preflight failed: ${e.message}`] }));
  for (const n of pre.notes) console.log(`e2e:aws: ${n}`);
  if (!pre.ok) {
    for (const p of pre.problems) console.error(`e2e:aws: ${p}`);
    backend.destroy();
    return 2;
  }
  const chosen = config.scenarios ? SCENARIOS.filter((s) => config.scenarios?.includes(s.name)) : SCENARIOS;
  const unknown = (config.scenarios ?? []).filter((n) => !SCENARIOS.some((s) => s.name === n));
  if (unknown.length > 0) {
    console.error(`e2e:aws: unknown scenario(s) in ARC_E2E_SCENARIOS: ${unknown.join(', ')} (known: ${SCENARIOS.map((s) => s.name).join(', ')})`);
    backend.destroy();
    return 2;
  }
  console.log(
    `e2e:aws: run ${config.runId} in account ${config.account}, regions ${Object.values(config.regionMap).join(', ')}; everything it creates starts ` +
      `with ${runPrefix(config)}`,
  );

  const startedAt = new Date().toISOString();
  const reports: ScenarioReport[] = [];
  const notes = [...pre.notes];
  let interrupted = false;
  const stop = (signal: string) => {
    if (interrupted) return;
    interrupted = true;
    console.error(`e2e:aws: ${signal}: finishing the current step, then tearing down (send it again to leave now, without teardown)`);
  };
  process.on('SIGINT', () => (interrupted ? process.exit(130) : stop('SIGINT')));
  process.on('SIGTERM', () => (interrupted ? process.exit(143) : stop('SIGTERM')));

  let teardown: string[] = [];
  try {
    for (const s of chosen) {
      if (interrupted) {
        notes.push(`not run (interrupted): ${s.name}`);
        continue;
      }
      console.log(`e2e:aws: scenario ${s.name}`);
      reports.push(
        await runScenario(backend, s, {
          onStep: (_sc, st) =>
            console.log(
              `e2e:aws:   ${st.outcome} ${st.index}. ${st.title}${st.status ? ` -> ${st.status}` : ''}${st.skippedBecause ? ` [${st.skippedBecause}]` : ''}`,
            ),
        }),
      );
    }
  } finally {
    teardown = await backend
      .teardown()
      .catch((e: Error) => [`teardown failed: ${e.message}; look for stacks and tables named ${runPrefix(config)}* and delete them by hand`]);
    backend.destroy();
  }
  const report = summarize('aws', config.runId, startedAt, reports, [...notes, ...teardown, `account ${config.account}, home region ${config.region}`]);
  const paths = writeReport(report, config.reportDir);
  process.stdout.write(formatReport(report));
  console.log(`e2e:aws: report written to ${paths.json} and ${paths.text}`);
  if (teardown.some((t) => /could not|failed/.test(t))) return 3;
  return report.ok ? 0 : 1;
}

main().then(
  (code) => process.exit(code),
  (e: Error) => {
    console.error(`e2e:aws: ${e.stack ?? e.message}`);
    process.exit(1);
  },
);

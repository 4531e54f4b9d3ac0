import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PROVIDER_ARN_ENV } from '../../../contract/resources';
import { ROOT, samTranslate, type CfnTemplate } from './sam-template';

/** The preinstalled Python cfn-lint (1.51); it runs the SAM transform offline itself. */
function cfnLint(path: string): { status: number | null; output: string } {
  const r = spawnSync('cfn-lint', ['--regions', 'us-east-1', '--template', path], {
    encoding: 'utf8',
    env: { ...process.env, AWS_DEFAULT_REGION: 'us-east-1' },
  });
  return { status: r.status, output: `${r.stdout}${r.stderr}` };
}

describe('template.yaml (SAM packaging)', () => {
  let translated: CfnTemplate;
  let original: CfnTemplate;
  beforeAll(() => {
    ({ original, translated } = samTranslate());
  });

  const ofType = (t: string) => Object.entries(translated.Resources).filter(([, r]) => r.Type === t);

  it('is transformed offline by the SAM translator into two arm64 nodejs22.x functions, the macro, invoke config and log groups', () => {
    const functions = ofType('AWS::Lambda::Function');
    expect(functions.map(([id]) => id).sort()).toEqual(['MacroFunction', 'ProviderFunction']);
    for (const [, fn] of functions) {
      expect(fn.Properties?.Runtime).toBe('nodejs22.x');
      expect(fn.Properties?.Architectures).toEqual(['arm64']);
      expect(fn.Properties?.Code).toEqual({ S3Bucket: 'sam-artifacts-bucket', S3Key: expect.stringMatching(/\.zip$/) });
    }
    expect(ofType('AWS::CloudFormation::Macro')).toEqual([
      [
        'Macro',
        expect.objectContaining({
          Properties: expect.objectContaining({ Name: { Ref: 'MacroName' }, FunctionName: { 'Fn::GetAtt': ['MacroFunction', 'Arn'] } }),
        }),
      ],
    ]);
    expect(original.Parameters?.MacroName.Default).toBe('ArcDynamoDb');
    expect(original.Parameters?.ProviderFunctionName.Default).toBe('arc-dynamodb-provider');
    // Required on purpose: no silent '*' scope (iam-policy.test.ts checks its AllowedPattern).
    expect(original.Parameters?.TableNamePrefix).not.toHaveProperty('Default');
  });

  it('tells the macro the provider ARN through the contract environment variable', () => {
    const macro = translated.Resources.MacroFunction.Properties as { Environment: { Variables: Record<string, unknown> } };
    expect(macro.Environment.Variables).toEqual({ [PROVIDER_ARN_ENV]: { 'Fn::GetAtt': ['ProviderFunction', 'Arn'] } });
  });

  it('gives the provider a fixed name, the 900 s Lambda maximum, and keeps async retries with itself as on-failure destination', () => {
    const p = translated.Resources.ProviderFunction.Properties as Record<string, unknown>;
    expect(p.FunctionName).toEqual({ Ref: 'ProviderFunctionName' });
    expect(p.Timeout).toBe(900);
    const configs = ofType('AWS::Lambda::EventInvokeConfig');
    expect(configs).toHaveLength(1);
    // Kept on purpose (provider/continuation.ts): retries are the crash safety; the destination
    // hands an exhausted event back to the provider, which answers FAILED.
    expect(configs[0][1].Properties).toEqual({
      FunctionName: { Ref: 'ProviderFunction' },
      Qualifier: '$LATEST',
      MaximumRetryAttempts: 2,
      MaximumEventAgeInSeconds: 3600,
      // The SAM translator substitutes parameter values (here the defaults) into this ARN.
      DestinationConfig: { OnFailure: { Destination: { 'Fn::Sub': 'arn:aws:lambda:us-east-1:${AWS::AccountId}:function:arc-dynamodb-provider' } } },
    });
  });

  it('sends each function to its own log group, which has a retention period', () => {
    const groups = ofType('AWS::Logs::LogGroup');
    expect(groups.map(([id]) => id).sort()).toEqual(['MacroLogGroup', 'ProviderLogGroup']);
    for (const [, g] of groups) expect(g.Properties?.RetentionInDays).toEqual({ Ref: 'LogRetentionInDays' });
    expect((translated.Resources.MacroFunction.Properties as { LoggingConfig: unknown }).LoggingConfig).toEqual({
      LogFormat: 'JSON',
      LogGroup: { Ref: 'MacroLogGroup' },
    });
    expect((translated.Resources.ProviderFunction.Properties as { LoggingConfig: unknown }).LoggingConfig).toEqual({
      LogFormat: 'JSON',
      LogGroup: { Ref: 'ProviderLogGroup' },
    });
  });

  it('outputs the provider ARN and the macro name', () => {
    expect(translated.Outputs?.ProviderArn.Value).toEqual({ 'Fn::GetAtt': ['ProviderFunction', 'Arn'] });
    expect(translated.Outputs?.MacroName.Value).toEqual({ Ref: 'MacroName' });
  });

  it('passes cfn-lint as written (cfn-lint applies the SAM transform itself)', () => {
    const r = cfnLint(join(ROOT, 'template.yaml'));
    expect(r.output).toBe('');
    expect(r.status).toBe(0);
  });

  it('passes cfn-lint after the SAM transform, as the native template CloudFormation deploys', () => {
    const dir = mkdtempSync(join(tmpdir(), 'arc-sam-'));
    const file = join(dir, 'translated.json');
    writeFileSync(file, JSON.stringify(translated));
    const r = cfnLint(file);
    expect(r.output).toBe('');
    expect(r.status).toBe(0);
  });

  it('samconfig.toml names the stack and region, resolves the S3 bucket and grants both capabilities', () => {
    const r = spawnSync(
      'python3',
      ['-c', 'import json,sys,tomllib; json.dump(tomllib.load(open(sys.argv[1],"rb")), sys.stdout)', join(ROOT, 'samconfig.toml')],
      { encoding: 'utf8' },
    );
    expect(r.status).toBe(0);
    const cfg = JSON.parse(r.stdout) as { default: Record<string, { parameters: Record<string, unknown> }> };
    expect(cfg.default.global.parameters).toMatchObject({ stack_name: 'arc-dynamodb', region: 'us-east-1' });
    expect(cfg.default.deploy.parameters.resolve_s3).toBe(true);
    expect(String(cfg.default.deploy.parameters.capabilities).split(' ').sort()).toEqual(['CAPABILITY_AUTO_EXPAND', 'CAPABILITY_IAM']);
  });
});

/**
 * The distributed-load state machine (provider/load/distributed/state-machine.asl.json; issue 17):
 * valid Amazon States Language by asl-validator, and the shape the provider and its policies rely on.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/** asl-validator ships no type declarations: its one export, as its README documents it. */
// eslint-disable-next-line @typescript-eslint/no-require-imports
const aslValidator = require('asl-validator') as (definition: unknown) => { isValid: boolean; errors: unknown[] };

// biome-ignore lint/suspicious/noExplicitAny: a parsed definition is walked as plain JSON
type Definition = Record<string, any>;
const FILE = join(__dirname, '../../../provider/load/distributed/state-machine.asl.json');
const TEXT = readFileSync(FILE, 'utf8');
const definition = (arn = 'arn:aws:lambda:eu-west-1:123456789012:function:arc-dynamodb-provider') =>
  JSON.parse(TEXT.replaceAll('${ProviderFunctionArn}', arn)) as Definition;

describe('the distributed-load state machine definition', () => {
  it('passes asl-validator (schema, JSONPath and ARN checks)', () => {
    const out = aslValidator(definition());
    expect(out.errors).toEqual([]);
    expect(out.isValid).toBe(true);
  });

  it('asl-validator rejects a broken copy (the check is real)', () => {
    const d = definition();
    d.States.LoadBatches.ItemProcessor.ProcessorConfig.Mode = 'EVERYWHERE';
    expect(aslValidator(d).isValid).toBe(false);
  });

  it('is one Distributed Map over an S3 JSON manifest, with no failure tolerated, results written to S3 and the concurrency from the input', () => {
    const d = definition();
    expect(Object.keys(d.States)).toEqual(['LoadBatches']);
    const map = d.States.LoadBatches;
    expect(map.Type).toBe('Map');
    expect(map.ItemProcessor.ProcessorConfig).toEqual({ Mode: 'DISTRIBUTED', ExecutionType: 'STANDARD' });
    expect(map.ItemReader).toEqual({
      Resource: 'arn:aws:states:::s3:getObject',
      ReaderConfig: { InputType: 'JSON' },
      Parameters: { 'Bucket.$': '$.Manifest.Bucket', 'Key.$': '$.Manifest.Key' },
    });
    // A failed batch must fail the run (so that redrive re-runs it), never be skipped over.
    expect(map.ToleratedFailurePercentage).toBe(0);
    expect(map.MaxConcurrencyPath).toBe('$.MaxConcurrency');
    expect(map.ResultWriter.Resource).toBe('arn:aws:states:::s3:putObject');
    // From the context object, not `$`: moto 5.2.1's executor evaluates the ResultWriter's paths against the Map's
    // results rather than its input (seen running this machine); $$.Execution.Input means the same on AWS and in moto.
    expect(map.ResultWriter.Parameters).toEqual({ 'Bucket.$': '$$.Execution.Input.Results.Bucket', 'Prefix.$': '$$.Execution.Input.Results.Prefix' });
    // The label names the child executions (execution:<machine>/<label>:<id>), which the machine's role is scoped to.
    expect(map.Label).toBe('ArcDynamoDbLoad');
    expect(map.ItemSelector).toEqual({ 'ArcDynamoDbWorker.$': '$.Run', 'Batch.$': '$$.Map.Item.Value' });
  });

  it('has exactly one task: the provider function, substituted at deploy time (DefinitionSubstitutions)', () => {
    const tasks: Definition[] = [];
    const walk = (states: Definition) => {
      for (const s of Object.values(states)) {
        if (s.Type === 'Task') tasks.push(s);
        if (s.ItemProcessor) walk(s.ItemProcessor.States);
      }
    };
    walk(definition().States);
    expect(tasks).toHaveLength(1);
    expect(tasks[0].Resource).toBe('arn:aws:states:::lambda:invoke');
    expect(JSON.parse(TEXT).States.LoadBatches.ItemProcessor.States.LoadBatch.Parameters.FunctionName).toBe('${ProviderFunctionArn}');
    expect(TEXT.match(/\$\{[A-Za-z]+\}/g)).toEqual(['${ProviderFunctionArn}']);
  });
});

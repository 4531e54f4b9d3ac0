import { parseArgs, UsageError } from '../../../cli/args';

const spec = { format: { value: true, choices: ['DYNAMODB_JSON', 'ION', 'CSV'] as const }, verbose: {} };

it('accepts a choice in any case and hands the command its canonical spelling', () => {
  expect(parseArgs(['--format', 'csv'], spec).options.format).toEqual(['CSV']);
  expect(parseArgs(['--format=Dynamodb_Json'], spec).options.format).toEqual(['DYNAMODB_JSON']);
  expect(parseArgs(['--format', 'ION', '--verbose'], spec)).toMatchObject({ options: { format: ['ION'] }, flags: new Set(['verbose']) });
});

it('still refuses what is not a choice, naming the choices', () => {
  expect(() => parseArgs(['--format', 'xml'], spec)).toThrow(new UsageError("option '--format' must be one of DYNAMODB_JSON, ION, CSV, got 'xml'"));
});

/**
 * Optional template outputs (`Outputs: true` or `{ExportPrefix}`): the table's name, ARN and, with
 * a stream, its stream ARN. Exports are named `<ExportPrefix>-TableName`, `-TableArn`, `-StreamArn`.
 */
import type { TableModel } from '../model/types';
import { ids } from '../naming';
import { getAtt, ref } from './common';
import type { CfnOutput, Generator } from './types';

function exportName(prefix: unknown, suffix: string): unknown {
  return typeof prefix === 'string' ? `${prefix}-${suffix}` : { 'Fn::Join': ['', [prefix, `-${suffix}`]] };
}

function output(t: TableModel, description: string, value: unknown, exportSuffix: string): CfnOutput {
  const out: CfnOutput = { Description: description, Value: value };
  if (t.outputs?.exportPrefix !== undefined) out.Export = { Name: exportName(t.outputs.exportPrefix, exportSuffix) };
  if (t.condition !== undefined) out.Condition = t.condition;
  return out;
}

export const outputsGenerator: Generator = (t) => {
  if (!t.outputs) return { resources: {}, outputs: {} };
  const id = t.logicalId;
  const outputs: Record<string, CfnOutput> = {
    [ids.outputName(id)]: output(t, `Name of the DynamoDB table ${id}`, ref(id), 'TableName'),
    [ids.outputArn(id)]: output(t, `ARN of the DynamoDB table ${id}`, getAtt(id, 'Arn'), 'TableArn'),
  };
  if (t.stream) outputs[ids.outputStreamArn(id)] = output(t, `ARN of the stream of the DynamoDB table ${id}`, getAtt(id, 'StreamArn'), 'StreamArn');
  return { resources: {}, outputs };
};

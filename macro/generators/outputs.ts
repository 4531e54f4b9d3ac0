/**
 * Optional template outputs.
 *
 * `Outputs: true` or `{ExportPrefix}`: the table's name, ARN and, with a stream, its stream ARN,
 * exported (with a prefix) as `<ExportPrefix>-TableName`, `-TableArn`, `-StreamArn`.
 *
 * `Outputs: {Include: [...]}` picks groups instead, so a stack shows what the Terraform module's
 * outputs showed (docs/reference.md, "Module output → output") without spending CloudFormation's
 * 200 outputs per template on what it does not read:
 * - Table: the name (`Ref`, also the module's `dynamodb_table_id`) and the ARN;
 * - Stream: the stream ARN and its label (the ARN's last part), with a stream only;
 * - Indexes: each GSI's and LSI's name and ARN (`<table ARN>/index/<name>`);
 * - Replicas: each replica's Region and ARN;
 * - Autoscaling: each scalable target's ResourceId (`table/<name>[/index/<index>]`).
 * A new output is exported as `<ExportPrefix>-<its logical ID without the table's>`.
 */
import type { OutputGroup, TableModel } from '../model/types';
import { ids } from '../naming';
import { scalableResourceId, scaledDimensions } from './autoscaling';
import { getAtt, ref, sub } from './common';
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

/** The export suffix of an output added with Include: its logical ID without the table's. */
const suffixOf = (t: TableModel, id: string) => (id.startsWith(t.logicalId) ? id.slice(t.logicalId.length) : id);

type Outputs = Record<string, CfnOutput>;

const GROUPS: Record<OutputGroup, (t: TableModel, out: Outputs) => void> = {
  Table(t, out) {
    const id = t.logicalId;
    out[ids.outputName(id)] = output(t, `Name of the DynamoDB table ${id}`, ref(id), 'TableName');
    out[ids.outputArn(id)] = output(t, `ARN of the DynamoDB table ${id}`, getAtt(id, 'Arn'), 'TableArn');
  },
  Stream(t, out) {
    if (!t.stream) return;
    const id = t.logicalId;
    out[ids.outputStreamArn(id)] = output(t, `ARN of the stream of the DynamoDB table ${id}`, getAtt(id, 'StreamArn'), 'StreamArn');
    const label = ids.outputStreamLabel(id);
    // arn:<partition>:dynamodb:<region>:<account>:table/<name>/stream/<label>
    out[label] = output(
      t,
      `Label (creation timestamp) of the stream of the DynamoDB table ${id}`,
      { 'Fn::Select': [3, { 'Fn::Split': ['/', getAtt(id, 'StreamArn')] }] },
      suffixOf(t, label),
    );
  },
  Indexes(t, out) {
    const id = t.logicalId;
    const indexes = [...t.globalSecondaryIndexes.map((g) => ['global', g.name]), ...t.localSecondaryIndexes.map((l) => ['local', l.name])];
    for (const [kind, name] of indexes) {
      const nameId = ids.outputIndexName(id, name);
      const arnId = ids.outputIndexArn(id, name);
      out[nameId] = output(t, `Name of the ${kind} secondary index ${name} of the DynamoDB table ${id}`, name, suffixOf(t, nameId));
      out[arnId] = output(t, `ARN of the ${kind} secondary index ${name} of the DynamoDB table ${id}`, sub(`\${${id}.Arn}/index/${name}`), suffixOf(t, arnId));
    }
  },
  Replicas(t, out) {
    const id = t.logicalId;
    for (const r of t.replicas) {
      const regionId = ids.outputReplicaRegion(id, r.regionName);
      const arnId = ids.outputReplicaArn(id, r.regionName);
      out[regionId] = output(t, `Region of the replica ${r.regionName} of the DynamoDB table ${id}`, r.regionName, suffixOf(t, regionId));
      const arn = sub(`arn:\${AWS::Partition}:dynamodb:${r.regionName}:\${AWS::AccountId}:table/\${${id}}`);
      out[arnId] = output(t, `ARN of the replica ${r.regionName} of the DynamoDB table ${id}`, arn, suffixOf(t, arnId));
    }
  },
  Autoscaling(t, out) {
    const id = t.logicalId;
    for (const d of scaledDimensions(t)) {
      const outId =
        d.index === undefined ? ids.outputScalableTargetResourceId(id, d.capacity) : ids.outputIndexScalableTargetResourceId(id, d.index, d.capacity);
      const what = d.index === undefined ? `the DynamoDB table ${id}` : `the index ${d.index} of the DynamoDB table ${id}`;
      out[outId] = output(t, `ResourceId of the ${d.capacity.toLowerCase()} scalable target of ${what}`, sub(scalableResourceId(t, d)), suffixOf(t, outId));
    }
  },
};

export const outputsGenerator: Generator = (t) => {
  if (!t.outputs) return { resources: {}, outputs: {} };
  const outputs: Outputs = {};
  if (t.outputs.include === undefined) {
    // Outputs: true | {ExportPrefix}: exactly the three outputs of earlier versions.
    GROUPS.Table(t, outputs);
    if (t.stream)
      outputs[ids.outputStreamArn(t.logicalId)] = output(
        t,
        `ARN of the stream of the DynamoDB table ${t.logicalId}`,
        getAtt(t.logicalId, 'StreamArn'),
        'StreamArn',
      );
  } else {
    for (const group of t.outputs.include) GROUPS[group](t, outputs);
  }
  return { resources: {}, outputs };
};

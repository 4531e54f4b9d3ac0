import Ajv from 'ajv';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ALARM_KINDS } from '../../../macro/model/types';

const schema = JSON.parse(readFileSync(join(__dirname, '..', '..', '..', 'schema', 'arc-dynamodb-table.schema.json'), 'utf8'));

describe('schema/arc-dynamodb-table.schema.json', () => {
  it('is valid draft-07 JSON Schema that ajv compiles in strict mode', () => {
    const ajv = new Ajv({ strict: true, allErrors: true });
    expect(ajv.validateSchema(schema)).toBe(true);
    expect(() => ajv.compile(schema)).not.toThrow();
    expect(schema.$schema).toBe('http://json-schema.org/draft-07/schema#');
  });

  it('describes every top-level property, stating a default or constraint', () => {
    for (const [name, prop] of Object.entries<Record<string, unknown>>(schema.properties)) {
      expect({ name, hasDescription: typeof prop.description === 'string' && (prop.description as string).length > 20 }).toEqual({
        name,
        hasDescription: true,
      });
    }
  });

  it('lists exactly the alarm kinds of the model under Monitoring.Alarms', () => {
    expect(Object.keys(schema.definitions.monitoring.properties.Alarms.properties)).toEqual([...ALARM_KINDS]);
  });

  it('has the module variables of the usage guide as PascalCase properties', () => {
    const variables = [
      'table_name',
      'billing_mode',
      'table_class',
      'hash_key',
      'range_key',
      'attributes',
      'read_capacity',
      'write_capacity',
      'autoscaling_enabled',
      'autoscaling_read',
      'autoscaling_write',
      'global_secondary_indexes',
      'local_secondary_indexes',
      'stream_enabled',
      'stream_view_type',
      'ttl_enabled',
      'ttl_attribute_name',
      'server_side_encryption_enabled',
      'point_in_time_recovery_enabled',
      'replica_regions',
      'import_table',
      'tags',
    ];
    const pascal = (v: string) =>
      v
        .split('_')
        .map((p) => p[0].toUpperCase() + p.slice(1))
        .join('');
    for (const v of variables) expect(Object.keys(schema.properties)).toContain(pascal(v));
  });
});

describe('docs/reference.md', () => {
  const doc = readFileSync(join(__dirname, '..', '..', '..', 'docs', 'reference.md'), 'utf8');
  it('documents every property of the schema', () => {
    const missing = Object.keys(schema.properties).filter((p) => !doc.includes(`\`${p}\``));
    expect(missing).toEqual([]);
  });
});

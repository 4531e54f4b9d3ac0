import { parseLoadProperties, sourceKey } from '../../../provider/load/properties';
import { writeBudgetOf } from '../../../provider/load/handler';

const base = { ServiceToken: 'arn', ServiceTimeout: '3600', TableName: 'orders', S3BucketSource: { Bucket: 'seed-bucket' }, InputFormat: 'CSV' };

test('CloudFormation strings become typed properties, with defaults', () => {
  expect(
    parseLoadProperties({ ...base, MaxRejectedRecords: '7', InputFormatOptions: { Csv: { Delimiter: '|', HeaderList: ['a', 'b'] } }, Revision: '3' }),
  ).toEqual({
    TableName: 'orders',
    S3BucketSource: { Bucket: 'seed-bucket', KeyPrefix: undefined, BucketOwner: undefined },
    InputFormat: 'CSV',
    InputCompressionType: 'NONE',
    WriteMode: 'Overwrite',
    MaxRejectedRecords: 7,
    Revision: '3',
    AdoptExistingTable: undefined,
    InputFormatOptions: { Csv: { Delimiter: '|', HeaderList: ['a', 'b'] } },
  });
});

test.each([
  [{ ...base, InputFormat: 'XML' }, "Property 'InputFormat' must be one of"],
  [{ ...base, S3BucketSource: { Bucket: 'Bad_Bucket' } }, "Property 'S3BucketSource.Bucket' must be an S3 bucket name, got 'Bad_Bucket'"],
  [
    { ...base, S3BucketSource: { Bucket: 'ok-bucket', BucketOwner: '12' } },
    "Property 'S3BucketSource.BucketOwner' must be a 12-digit AWS account ID, got '12'",
  ],
  [{ ...base, MaxRejectedRecords: 'many' }, "Property 'MaxRejectedRecords'"],
  [{ ...base, InputFormatOptions: { Csv: { Delimiter: '#' } } }, "Property 'InputFormatOptions.Csv.Delimiter' must be one of , ; : | tab or space"],
  [{ ...base, TableName: undefined }, "Property 'TableName' must be a string, got missing"],
  [{ ...base, WriteBudget: { WriteCapacityPercent: '0.5' } }, "Property 'WriteBudget.WriteCapacityPercent' must be between 1 and 100, got 0.5"],
  [{ ...base, WriteBudget: { MaxWriteUnitsPerSecond: '1.5' } }, "Property 'WriteBudget.MaxWriteUnitsPerSecond' must be a whole number, got '1.5'"],
  [{ ...base, WriteBudget: { MaxItemsPerSecond: '0' } }, "Property 'WriteBudget.MaxItemsPerSecond' must be between 1 and 1000000000, got 0"],
  [{ ...base, WriteBudget: {} }, "Property 'WriteBudget' needs WriteCapacityPercent, MaxWriteUnitsPerSecond or MaxItemsPerSecond"],
  [{ ...base, WriteBudget: 'fast' }, "Property 'WriteBudget'"],
  [{ ...base, Distributed: 'yes' }, "Property 'Distributed'"],
])('bad properties are refused naming the property: %j', (raw, message) => {
  expect(() => parseLoadProperties(raw)).toThrow(message);
});

test('WriteBudget: CloudFormation strings become numbers, named for the loader', () => {
  const p = parseLoadProperties({ ...base, WriteBudget: { WriteCapacityPercent: '37.5', MaxWriteUnitsPerSecond: '800', MaxItemsPerSecond: '500' } });
  expect(p.WriteBudget).toEqual({ WriteCapacityPercent: 37.5, MaxWriteUnitsPerSecond: 800, MaxItemsPerSecond: 500 });
  expect(writeBudgetOf(p.WriteBudget!)).toEqual({ capacityPercent: 37.5, maxWriteUnitsPerSecond: 800, maxItemsPerSecond: 500 });
  expect(parseLoadProperties({ ...base, WriteBudget: { MaxItemsPerSecond: 20 } }).WriteBudget).toEqual({ MaxItemsPerSecond: 20 });
});

test('Distributed: CloudFormation strings become booleans; absent stays absent (the route is then by size); it loads nothing new', () => {
  expect(parseLoadProperties({ ...base, Distributed: 'true' }).Distributed).toBe(true);
  expect(parseLoadProperties({ ...base, Distributed: 'false' }).Distributed).toBe(false);
  expect('Distributed' in parseLoadProperties(base)).toBe(false);
  expect(sourceKey(parseLoadProperties({ ...base, Distributed: 'true' }))).toBe(sourceKey(parseLoadProperties(base)));
});

test('the source key changes with the source and Revision, not with WriteMode, MaxRejectedRecords or WriteBudget', () => {
  const a = parseLoadProperties(base);
  expect(sourceKey(parseLoadProperties({ ...base, WriteMode: 'PutIfAbsent', MaxRejectedRecords: '4' }))).toBe(sourceKey(a));
  expect(sourceKey(parseLoadProperties({ ...base, WriteBudget: { WriteCapacityPercent: '20' } }))).toBe(sourceKey(a));
  expect(sourceKey(parseLoadProperties({ ...base, Revision: '2' }))).not.toBe(sourceKey(a));
  expect(sourceKey(parseLoadProperties({ ...base, S3BucketSource: { Bucket: 'seed-bucket', KeyPrefix: 'x/' } }))).not.toBe(sourceKey(a));
});

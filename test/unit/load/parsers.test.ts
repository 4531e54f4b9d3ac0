import { Readable } from 'node:stream';
import { Decimal } from 'ion-js';
import { splitLines } from '../../../load/lines';
import { CsvParser, splitCsv } from '../../../load/formats/csv';
import { decimalToNumber, parseIonLine } from '../../../load/formats/ion';
import { parseDynamoDbJsonLine } from '../../../load/formats/ddbjson';
import { itemSize } from '../../../load/item';
import { FzstdTransform } from '../../../load/decompress';
import { compress, ionLine, richItems, dynamoDbJsonLine, canonical } from '../../support/load-data';

async function lines(chunks: string[], opts = {}) {
  const out = [];
  for await (const g of splitLines(Readable.from(chunks.map((c) => Buffer.from(c))), opts)) out.push(...g);
  return out;
}

test('lines split across chunks, with CRLF, a last line without newline, and byte offsets', async () => {
  expect(await lines(['ab', 'c\r\nd', 'é\n\nxyz'])).toEqual([
    { text: 'abc', line: 1, end: 5 },
    { text: 'dé', line: 2, end: 9 },
    { text: '', line: 3, end: 10 },
    { text: 'xyz', line: 4, end: 13 },
  ]);
});

test('skipped lines are counted but not returned; an over-long line comes back as null', async () => {
  expect(await lines(['1\n2\n3\n'], { skipLines: 2 })).toEqual([{ text: '3', line: 3, end: 6 }]);
  expect(await lines(['short\n', 'x'.repeat(10), 'y'.repeat(10), '\nok\n'], { maxLineBytes: 15 })).toEqual([
    { text: 'short', line: 1, end: 6 },
    { text: null, line: 2, end: 27 },
    { text: 'ok', line: 3, end: 30 },
  ]);
});

test('CSV fields: quotes, doubled quotes, delimiters inside quotes, open quotes', () => {
  expect(splitCsv('a,"b,c","say ""hi""",', ',')).toEqual(['a', 'b,c', 'say "hi"', '']);
  expect(splitCsv('a;"open', ';')).toBeNull();
  expect(() => splitCsv('a,b"c', ',')).toThrow('a quote inside an unquoted field (field 2)');
});

test('a CSV record may span lines inside quotes; keys take their defined types, other values stay strings', () => {
  const p = new CsvParser(
    { delimiter: ',' },
    new Map([
      ['pk', 'S'],
      ['n', 'N'],
    ] as const),
  );
  expect(p.feed({ text: 'pk,n,note', line: 1, end: 10 })).toEqual({ kind: 'none' });
  expect(p.feed({ text: 'a,5,"two', line: 2, end: 19 })).toEqual({ kind: 'none' });
  expect(p.pending()).toBe(true);
  expect(p.feed({ text: 'lines"', line: 3, end: 26 })).toEqual({
    kind: 'record',
    item: { pk: { S: 'a' }, n: { N: '5' }, note: { S: 'two\nlines' } },
    line: 2,
    end: 26,
  });
  expect(p.feed({ text: 'b,,x', line: 4, end: 31 })).toEqual({ kind: 'record', item: { pk: { S: 'b' }, note: { S: 'x' } }, line: 4, end: 31 });
  expect(p.feed({ text: 'c,1', line: 5, end: 35 })).toEqual({ kind: 'record', error: '2 fields, but the header has 3', line: 5, end: 35 });
});

test('Ion decimals become plain DynamoDB numbers', () => {
  expect(['103.', '1.50', '2d3', '-0.25', '0.000', '150d-2', '-7'].map((s) => decimalToNumber(Decimal.parse(s)!))).toEqual([
    '103',
    '1.5',
    '2000',
    '-0.25',
    '0',
    '1.5',
    '-7',
  ]);
});

test('Ion and DynamoDB JSON lines written by ion-js and JSON carry the same items', () => {
  for (const item of richItems(20)) {
    expect(canonical(parseIonLine(ionLine(item))!)).toBe(canonical(item));
    expect(canonical(parseDynamoDbJsonLine(dynamoDbJsonLine(item)))).toBe(canonical(item));
  }
});

test('Ion input errors name the problem without quoting data', () => {
  expect(() => parseIonLine('{Item:{a:2020-01-01T}}')).toThrow("attribute 'a' has Ion type timestamp, which has no DynamoDB type");
  expect(() => parseIonLine('{Item:{a:$dynamodb_SS::["x","x"]}}')).toThrow("attribute 'a' ($dynamodb_SS) contains duplicates");
  expect(() => parseIonLine('{Other:{}}')).toThrow('expected exactly one field, Item');
  expect(() => parseIonLine('{Item:{a:"secret value')).toThrow('not valid Ion text');
});

test('item size follows DynamoDB: names + UTF-8 strings, numbers by digits, 3 bytes + 1 per element for L/M', () => {
  expect(itemSize({ pk: { S: 'é' } })).toBe(2 + 2);
  expect(itemSize({ n: { N: '12345' } })).toBe(1 + 4);
  expect(itemSize({ l: { L: [{ BOOL: true }, { NULL: true }] } })).toBe(1 + 3 + 2 + 2);
  expect(itemSize({ m: { M: { ab: { S: 'c' } } } })).toBe(1 + 3 + 1 + 2 + 1);
});

test('fzstd streams a zstd frame made by the zstd CLI in small chunks', async () => {
  const text = 'line\n'.repeat(50000);
  const z = compress(text, 'ZSTD');
  const parts: Buffer[] = [];
  const t = new FzstdTransform();
  t.on('data', (d: Buffer) => parts.push(d));
  const done = new Promise((r) => t.on('end', r));
  for (let i = 0; i < z.length; i += 1000) t.write(z.subarray(i, i + 1000));
  t.end();
  await done;
  expect(Buffer.concat(parts).toString()).toBe(text);
});

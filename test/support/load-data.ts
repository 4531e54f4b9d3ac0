/**
 * Test data for the loader: deterministic items with every DynamoDB type, written in the three
 * formats ImportTable reads, and compressed with real encoders (zlib's gzip, the `zstd` CLI).
 * ION is written with ion-js's text writer, never by hand.
 */
import { spawnSync } from 'node:child_process';
import { gzipSync } from 'node:zlib';
import { makeTextWriter, IonTypes, Decimal, type Writer } from 'ion-js';
import type { AttributeValue } from '@aws-sdk/client-dynamodb';

export type Item = Record<string, AttributeValue>;

/** The key of the load tests' and benches' tables: pk (S) and sk (N), as richItems and csvItems fill them. */
export const PK_SK_KEY = {
  AttributeDefinitions: [
    { AttributeName: 'pk', AttributeType: 'S' as const },
    { AttributeName: 'sk', AttributeType: 'N' as const },
  ],
  KeySchema: [
    { AttributeName: 'pk', KeyType: 'HASH' as const },
    { AttributeName: 'sk', KeyType: 'RANGE' as const },
  ],
};

/** A small deterministic PRNG (mulberry32), so every run builds the same items. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * Items keyed pk (S) + sk (N), with every attribute type. `padBytes` adds a string attribute of
 * that length (to reach ~1 KB or larger items).
 */
export function richItems(n: number, opts: { seed?: number; padBytes?: number; prefix?: string } = {}): Item[] {
  const r = rng(opts.seed ?? 1);
  const out: Item[] = [];
  for (let i = 0; i < n; i++) {
    const bytes = Uint8Array.from({ length: 1 + (i % 5) }, () => Math.floor(r() * 256));
    const item: Item = {
      pk: { S: `${opts.prefix ?? 'item'}-${String(i).padStart(7, '0')}` },
      sk: { N: String(i % 7) },
      name: { S: `name ${i} ✓ "quoted", comma` },
      price: { N: (Math.floor(r() * 100000) / 100).toString() },
      count: { N: String(Math.floor(r() * 1e6) - 500000) },
      flag: { BOOL: i % 2 === 0 },
      nothing: { NULL: true },
      blob: { B: bytes },
      tags: { SS: [`t${i % 3}`, `u${i % 5}`] },
      scores: { NS: ['1.5', String(i + 2)] },
      blobs: { BS: [Uint8Array.of(1, 2, i % 256), Uint8Array.of(9)] },
      list: { L: [{ S: 'x' }, { N: '42' }, { M: { inner: { BOOL: false } } }] },
      map: { M: { a: { S: 'b' }, n: { N: '-0.25' }, deep: { L: [{ NULL: true }] } } },
    };
    if (opts.padBytes) item.pad = { S: 'p'.repeat(opts.padBytes) };
    out.push(item);
  }
  return out;
}

/** Items that CSV can carry: keys typed, every other value a string. */
export function csvItems(n: number, opts: { seed?: number; padBytes?: number } = {}): Item[] {
  const r = rng(opts.seed ?? 2);
  const out: Item[] = [];
  for (let i = 0; i < n; i++) {
    const item: Item = {
      pk: { S: `row-${String(i).padStart(7, '0')}` },
      sk: { N: String(i % 11) },
      city: { S: ['Oslo', 'Lyon', 'São Paulo', 'Kyoto'][i % 4] },
      note: { S: i % 3 === 0 ? 'has, a comma and "quotes"' : i % 3 === 1 ? 'two\nlines' : `plain ${Math.floor(r() * 1000)}` },
      amount: { S: (r() * 1000).toFixed(2) },
    };
    if (opts.padBytes) item.pad = { S: 'p'.repeat(opts.padBytes) };
    out.push(item);
  }
  return out;
}

// ---------- DynamoDB JSON ----------

function toJsonValue(v: AttributeValue): unknown {
  if (v.B !== undefined) return { B: Buffer.from(v.B).toString('base64') };
  if (v.BS !== undefined) return { BS: v.BS.map((b) => Buffer.from(b).toString('base64')) };
  if (v.L !== undefined) return { L: v.L.map(toJsonValue) };
  if (v.M !== undefined) return { M: Object.fromEntries(Object.entries(v.M).map(([k, e]) => [k, toJsonValue(e)])) };
  return v;
}

export function dynamoDbJsonLine(item: Item): string {
  return JSON.stringify({ Item: Object.fromEntries(Object.entries(item).map(([k, v]) => [k, toJsonValue(v)])) });
}

export function toDynamoDbJson(items: Item[]): string {
  return items.map((i) => `${dynamoDbJsonLine(i)}\n`).join('');
}

// ---------- ION (ion-js text writer) ----------

function writeIon(w: Writer, v: AttributeValue): void {
  if (v.S !== undefined) w.writeString(v.S);
  else if (v.N !== undefined) w.writeDecimal(Decimal.parse(v.N)!);
  else if (v.B !== undefined) w.writeBlob(v.B);
  else if (v.BOOL !== undefined) w.writeBoolean(v.BOOL);
  else if (v.NULL !== undefined) w.writeNull(IonTypes.NULL);
  else if (v.SS !== undefined || v.NS !== undefined || v.BS !== undefined) {
    w.setAnnotations([v.SS ? '$dynamodb_SS' : v.NS ? '$dynamodb_NS' : '$dynamodb_BS']);
    w.stepIn(IonTypes.LIST);
    v.SS?.forEach((s) => w.writeString(s));
    v.NS?.forEach((n) => w.writeDecimal(Decimal.parse(n)!));
    v.BS?.forEach((b) => w.writeBlob(b));
    w.stepOut();
  } else if (v.L !== undefined) {
    w.stepIn(IonTypes.LIST);
    v.L.forEach((e) => writeIon(w, e));
    w.stepOut();
  } else if (v.M !== undefined) {
    w.stepIn(IonTypes.STRUCT);
    for (const [k, e] of Object.entries(v.M)) {
      w.writeFieldName(k);
      writeIon(w, e);
    }
    w.stepOut();
  }
}

/** One `$ion_1_0 {Item:{...}}` line per item, as a DynamoDB export writes Ion. */
export function ionLine(item: Item): string {
  const w = makeTextWriter();
  w.stepIn(IonTypes.STRUCT);
  w.writeFieldName('Item');
  writeIon(w, { M: item });
  w.stepOut();
  w.close();
  return `$ion_1_0 ${Buffer.from(w.getBytes()).toString('utf8')}`;
}

export function toIon(items: Item[]): string {
  return items.map((i) => `${ionLine(i)}\n`).join('');
}

// ---------- CSV ----------

function csvField(s: string, delimiter: string): string {
  return s.includes('"') || s.includes('\n') || s.includes(delimiter) ? `"${s.replace(/"/g, '""')}"` : s;
}

export function csvValue(v: AttributeValue | undefined): string {
  if (v === undefined) return '';
  if (v.S !== undefined) return v.S;
  if (v.N !== undefined) return v.N;
  if (v.B !== undefined) return Buffer.from(v.B).toString('base64');
  throw new Error('csv carries S, N and B only');
}

export function toCsv(items: Item[], columns: string[], opts: { delimiter?: string; header?: boolean } = {}): string {
  const d = opts.delimiter ?? ',';
  const lines = items.map((i) => columns.map((c) => csvField(csvValue(i[c]), d)).join(d));
  if (opts.header !== false) lines.unshift(columns.join(d));
  return lines.map((l) => `${l}\n`).join('');
}

// ---------- compression ----------

export type Compression = 'GZIP' | 'ZSTD' | 'NONE';

/** Compresses with zlib (gzip) or Debian's `zstd` CLI (the reference encoder). */
export function compress(data: Buffer | string, type: Compression): Buffer {
  const buf = typeof data === 'string' ? Buffer.from(data) : data;
  if (type === 'NONE') return buf;
  if (type === 'GZIP') return gzipSync(buf);
  const r = spawnSync('zstd', ['-q', '-c', '-3'], { input: buf, maxBuffer: 1 << 30 });
  if (r.status !== 0) throw new Error(`zstd failed (is the zstd CLI installed? apt-get install zstd): ${r.stderr}`);
  return r.stdout;
}

// ---------- comparing a table with its source ----------

/** A canonical string per item: attribute order, set order, and number spelling do not matter. */
export function canonical(item: Item): string {
  const c = (v: AttributeValue): unknown => {
    if (v.S !== undefined) return ['S', v.S];
    if (v.N !== undefined) return ['N', Number(v.N)];
    if (v.B !== undefined) return ['B', Buffer.from(v.B).toString('base64')];
    if (v.BOOL !== undefined) return ['BOOL', v.BOOL];
    if (v.NULL !== undefined) return ['NULL'];
    if (v.SS !== undefined) return ['SS', [...v.SS].sort()];
    if (v.NS !== undefined) return ['NS', v.NS.map(Number).sort((a, b) => a - b)];
    if (v.BS !== undefined) return ['BS', v.BS.map((b) => Buffer.from(b).toString('base64')).sort()];
    if (v.L !== undefined) return ['L', v.L.map(c)];
    if (v.M !== undefined)
      return [
        'M',
        Object.keys(v.M)
          .sort()
          .map((k) => [k, c(v.M![k])]),
      ];
    return ['?'];
  };
  return JSON.stringify(
    Object.keys(item)
      .sort()
      .map((k) => [k, c(item[k])]),
  );
}

/**
 * CSV as ImportTable reads it (https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/S3DataImport.Format.html):
 * - `Delimiter` is one of `, ; : | \t` or space (default comma);
 * - with `HeaderList` the first line of every object is data, without it the first line is the header;
 * - every value is a string, except attributes the table defines (its keys and index keys), which
 *   take their AttributeDefinitions type (S, N, or B as base64).
 * Fields may be quoted with `"` (RFC 4180), with `""` for a quote; a quoted field may span lines.
 * An empty field adds no attribute: CSV cannot tell an empty string from a missing value.
 */
import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import type { Line } from '../lines';
import { checkNumber } from '../item';
import { LoadError, RecordError, type CsvOptions, type Item } from '../types';
import type { Parsed, RecordParser } from './types';
import { dict } from '../../contract/resources';

export type AttributeTypes = ReadonlyMap<string, 'S' | 'N' | 'B'>;

/** Splits one record into fields. Throws on a malformed quote; returns null when a quote is still open. */
export function splitCsv(text: string, delimiter: string): string[] | null {
  if (!text.includes('"')) return text.split(delimiter);
  const fields: string[] = [];
  let i = 0;
  for (;;) {
    if (text[i] === '"') {
      let value = '';
      let j = i + 1;
      for (;;) {
        const q = text.indexOf('"', j);
        if (q < 0) return null; // the quote continues on the next line
        value += text.slice(j, q);
        if (text[q + 1] === '"') {
          value += '"';
          j = q + 2;
          continue;
        }
        j = q + 1;
        break;
      }
      fields.push(value);
      if (j === text.length) return fields;
      if (text[j] !== delimiter) throw new RecordError(`unexpected character after a closing quote (field ${fields.length})`);
      i = j + 1;
    } else {
      const d = text.indexOf(delimiter, i);
      const raw = d < 0 ? text.slice(i) : text.slice(i, d);
      if (raw.includes('"')) throw new RecordError(`a quote inside an unquoted field (field ${fields.length + 1})`);
      fields.push(raw);
      if (d < 0) return fields;
      i = d + 1;
    }
  }
}

export class CsvParser implements RecordParser {
  private header: string[] | undefined;
  private open: { text: string; line: number } | undefined;

  constructor(
    private readonly options: CsvOptions,
    private readonly types: AttributeTypes,
  ) {
    this.header = options.headerList;
  }

  /** Whether this parser still needs the object's first line as its header. */
  needsHeader(): boolean {
    return this.header === undefined;
  }

  feed(line: Line): Parsed {
    if (line.text === null) {
      this.open = undefined;
      return { kind: 'record', error: 'line longer than 4 MiB', line: line.line, end: line.end };
    }
    const start = this.open?.line ?? line.line;
    const text = this.open ? `${this.open.text}\n${line.text}` : line.text;
    if (!this.open && text === '') return { kind: 'none' };
    let fields: string[] | null;
    try {
      fields = splitCsv(text, this.options.delimiter);
    } catch (e) {
      this.open = undefined;
      if (e instanceof RecordError) return this.reject(e.message, start, line.end);
      throw e;
    }
    if (fields === null) {
      if (text.length > 4 * 1024 * 1024) {
        this.open = undefined;
        return this.reject('quoted field longer than 4 MiB', start, line.end);
      }
      this.open = { text, line: start };
      return { kind: 'none' };
    }
    this.open = undefined;
    if (this.header === undefined) {
      this.header = fields.map((f) => f.trim());
      const names = new Set<string>();
      for (const h of this.header) {
        if (h === '') throw new LoadError(`line ${start}: the CSV header has an empty column name`);
        if (names.has(h)) throw new LoadError(`line ${start}: the CSV header names column '${h}' twice`);
        names.add(h);
      }
      return { kind: 'none' };
    }
    try {
      return { kind: 'record', item: this.toItem(fields), line: start, end: line.end };
    } catch (e) {
      if (e instanceof RecordError) return this.reject(e.message, start, line.end);
      throw e;
    }
  }

  pending(): boolean {
    return this.open !== undefined;
  }

  finish(): Parsed {
    if (!this.open) return { kind: 'none' };
    const { line } = this.open;
    this.open = undefined;
    return { kind: 'record', error: 'a quoted field is not closed before the end of the object', line, end: -1 };
  }

  private reject(error: string, line: number, end: number): Parsed {
    return { kind: 'record', error, line, end };
  }

  private toItem(fields: string[]): Item {
    const header = this.header!;
    if (fields.length !== header.length) throw new RecordError(`${fields.length} fields, but the header has ${header.length}`);
    const item: Item = dict();
    for (let i = 0; i < header.length; i++) {
      const value = fields[i];
      if (value === '') continue;
      const name = header[i];
      const type = this.types.get(name);
      let av: AttributeValue;
      if (type === 'N') av = { N: checkNumber(value.trim(), `attribute '${name}' (N)`) };
      else if (type === 'B') {
        if (!/^[A-Za-z0-9+/]*={0,2}$/.test(value) || value.length % 4 === 1) throw new RecordError(`attribute '${name}' (B) is not valid base64`);
        av = { B: Buffer.from(value, 'base64') };
      } else av = { S: value };
      item[name] = av;
    }
    return item;
  }
}

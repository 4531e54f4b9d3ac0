import type { Line } from '../lines';
import { RecordError, type Item } from '../types';

/** What a parser makes of the lines it is fed. */
export type Parsed =
  /** A record: an item, or the reason it was rejected. `line` is where the record starts, `end` the byte after it. */
  | { kind: 'record'; item?: Item; error?: string; line: number; end: number }
  /** The line completed no record (a blank line, a CSV header, part of a multi-line CSV record). */
  | { kind: 'none' };

export interface RecordParser {
  feed(line: Line): Parsed;
  /** True while a record spans lines and is not complete yet (no checkpoint may fall inside it). */
  pending(): boolean;
  /** End of the object: a record still open (an unterminated CSV quote) becomes a reject. */
  finish(): Parsed;
}

/**
 * A format with one record per line, as ImportTable reads DYNAMODB_JSON and ION. `parseLine`
 * returns the item, null for a line that holds no record, or throws a RecordError (a reject).
 */
export class OneRecordPerLine implements RecordParser {
  constructor(private readonly parseLine: (text: string) => Item | null) {}
  feed(line: Line): Parsed {
    if (line.text === null) return { kind: 'record', error: 'line longer than 4 MiB', line: line.line, end: line.end };
    if (line.text.trim() === '') return { kind: 'none' };
    try {
      const item = this.parseLine(line.text);
      return item === null ? { kind: 'none' } : { kind: 'record', item, line: line.line, end: line.end };
    } catch (e) {
      if (e instanceof RecordError) return { kind: 'record', error: e.message, line: line.line, end: line.end };
      throw e;
    }
  }
  pending(): boolean {
    return false;
  }
  finish(): Parsed {
    return { kind: 'none' };
  }
}

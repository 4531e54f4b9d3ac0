import type { Line } from '../lines';
import type { Item } from '../types';

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

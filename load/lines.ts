/**
 * Splits a byte stream into lines without holding more than one line (plus one chunk) in memory.
 * Offsets are counted in bytes of the (decompressed) stream, so a checkpoint can name the exact
 * byte after the last complete record.
 */
export interface Line {
  /** The line without its terminator; null when it was longer than the limit (its bytes were dropped). */
  text: string | null;
  /** 1-based line number within the object. */
  line: number;
  /** Byte offset just after this line's terminator. */
  end: number;
}

/**
 * A DynamoDB item is at most 400 KB, but its DynamoDB JSON can be larger (type wrappers, base64
 * binary is 4/3 of the bytes, escaped strings). 4 MiB per line leaves room and still bounds memory.
 */
export const MAX_LINE_BYTES = 4 * 1024 * 1024;

const NEWLINE = 0x0a;
const CR = 0x0d;

function decode(buf: Buffer): string {
  const n = buf.length > 0 && buf[buf.length - 1] === CR ? buf.length - 1 : buf.length;
  return buf.toString('utf8', 0, n);
}

/**
 * Yields the lines of `source` in groups (one group per chunk, to keep per-line overhead low).
 * `firstLine` and `startByte` number lines and bytes when the stream starts mid-object (a ranged read).
 * `skipLines` lines are counted but not decoded (resuming a compressed object from its start).
 */
export async function* splitLines(
  source: AsyncIterable<Buffer | Uint8Array | string>,
  opts: { firstLine?: number; startByte?: number; skipLines?: number; maxLineBytes?: number } = {},
): AsyncGenerator<Line[]> {
  const max = opts.maxLineBytes ?? MAX_LINE_BYTES;
  let lineNo = (opts.firstLine ?? 1) - 1;
  let offset = opts.startByte ?? 0;
  let skip = opts.skipLines ?? 0;
  let pending: Buffer[] = [];
  let pendingLen = 0;
  let oversize = false;

  for await (const raw of source) {
    const chunk = typeof raw === 'string' ? Buffer.from(raw) : Buffer.isBuffer(raw) ? raw : Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength);
    const out: Line[] = [];
    let from = 0;
    for (;;) {
      const nl = chunk.indexOf(NEWLINE, from);
      if (nl < 0) break;
      const segLen = nl - from;
      offset += segLen + 1;
      lineNo++;
      if (skip > 0) {
        skip--;
      } else if (oversize || pendingLen + segLen > max) {
        out.push({ text: null, line: lineNo, end: offset });
      } else {
        const seg = chunk.subarray(from, nl);
        const buf = pendingLen === 0 ? seg : Buffer.concat([...pending, seg], pendingLen + segLen);
        out.push({ text: decode(buf), line: lineNo, end: offset });
      }
      pending = [];
      pendingLen = 0;
      oversize = false;
      from = nl + 1;
    }
    if (from < chunk.length) {
      const rest = chunk.subarray(from);
      offset += rest.length;
      if (!oversize && skip === 0) {
        if (pendingLen + rest.length > max) {
          oversize = true;
          pending = [];
          pendingLen = 0;
        } else {
          // Copy: the chunk's memory may be reused by the producer.
          pending.push(Buffer.from(rest));
          pendingLen += rest.length;
        }
      }
    }
    // `offset` above already counts the unterminated rest; lines report their own end.
    if (out.length > 0) yield out;
  }
  // A last line without a terminator.
  if (pendingLen > 0 || oversize) {
    lineNo++;
    if (skip > 0) return;
    yield [{ text: oversize ? null : decode(Buffer.concat(pending, pendingLen)), line: lineNo, end: offset }];
  }
}

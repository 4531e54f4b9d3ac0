import { progressLine } from '../../../cli/commands/load';
import { count, wrap } from '../../../cli/text';

const progress = (written: number, rejected: number, sourceBytes: number) => ({
  counters: { itemsWritten: written, itemsSkipped: 0, recordsRejected: rejected, objectsRead: 1, bytesRead: sourceBytes },
  sourceBytes,
  object: 'f',
});

describe('the load progress line', () => {
  it('never reaches the last column: the bar shrinks first, then the rate and the ETA go', () => {
    const big = progress(123_456_789, 1_234_567, 450);
    for (const columns of [200, 100, 80, 60, 40, 30, 20, 10, 2]) {
      const line = progressLine(big, 1000, 3600, columns);
      expect(line.length).toBeLessThanOrEqual(columns - 1);
    }
    expect(progressLine(big, 1000, 3600, 200)).toBe('[###########-------------]  45%  123,456,789 items  34,294 items/s  ETA 73:20  1,234,567 rejected');
    expect(progressLine(big, 1000, 3600, 80)).toBe('[##########------------]  45%  123,456,789 items  ETA 73:20  1,234,567 rejected');
    expect(progressLine(big, 1000, 3600, 60)).toBe('[######-------]  45%  123,456,789 items  1,234,567 rejected');
    expect(progressLine(big, 1000, 3600, 30)).toBe(' 45%  123,456,789 items  1,23');
  });

  it('keeps the full 24-column bar when there is room', () => {
    expect(progressLine(progress(10, 0, 1000), 1000, 1, 80)).toBe('[########################] 100%  10 items  10 items/s  ETA --:--');
  });
});

describe('English counts and wrapping', () => {
  it('says 1 table, 2 tables, 0 items', () => {
    expect([count(1, 'table'), count(2, 'table'), count(0, 'item'), count(1500, 'resource')]).toEqual(['1 table', '2 tables', '0 items', '1,500 resources']);
  });

  it('wraps at spaces within the width, and starts a new line at a newline', () => {
    expect(wrap('aaa bbb ccc ddd', '  ', 10)).toEqual(['  aaa bbb', '    ccc', '    ddd']);
    expect(wrap('one\ntwo', '', 80, '  ')).toEqual(['one', '  two']);
    expect(wrap('x'.repeat(20), '', 10)).toEqual(['x'.repeat(20)]);
  });
});

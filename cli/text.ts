/** Small text helpers for what the CLI prints. */

/** `1 table`, `2 tables`, `0 items`: a count with its noun, in English. */
export function count(n: number, noun: string, plural = `${noun}s`): string {
  return `${n.toLocaleString('en-US')} ${n === 1 ? noun : plural}`;
}

/**
 * Breaks `text` at spaces so that no line is wider than `width`: the first line starts with
 * `indent`, the others with `next` (default: `indent` and two spaces). A word longer than a line
 * stays whole. A newline in `text` starts a new line (indented with `next`).
 */
export function wrap(text: string, indent: string, width: number, next = `${indent}  `): string[] {
  if (text.includes('\n')) {
    const [first, ...rest] = text.split('\n');
    return [...wrap(first, indent, width, next), ...rest.flatMap((p) => wrap(p, next, width, next))];
  }
  const lines: string[] = [];
  let line = indent;
  let empty = true;
  for (const word of text.split(' ')) {
    if (!empty && line.length + 1 + word.length > width) {
      lines.push(line);
      line = next + word;
    } else {
      line += empty ? word : ` ${word}`;
    }
    empty = false;
  }
  lines.push(line);
  return lines;
}

/**
 * A small evaluator for the subset of CloudWatch metric math the alarms use: numbers, query ids,
 * + - * /, parentheses, FILL(series, number), PERIOD(metric id) and SUM([series, ...]) (per
 * timestamp, over the series that have a value; no value if none has)
 * (https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/using-metric-math.html).
 *
 * moto 5.2.1 does not evaluate metric math: its GetMetricData returns, for an expression, only the
 * series of a query whose Id equals the whole expression. So the tests take moto's per-metric
 * results and compute the expression here, for one period. An unknown function, an id that is no
 * query of the alarm, or a syntax error throws, which is what "well formed" means in these tests.
 */
export interface SeriesPoint {
  /** The metric's value in the period, or undefined when CloudWatch has no datapoint. */
  value: number | undefined;
  period: number;
}

type Token = { kind: 'num'; value: number } | { kind: 'id'; value: string } | { kind: 'op'; value: string };

function tokenize(expr: string): Token[] {
  const tokens: Token[] = [];
  const re = /\s*(?:(\d+(?:\.\d+)?)|([a-zA-Z_][a-zA-Z0-9_]*)|([-+*/(),[\]]))/y;
  let pos = 0;
  while (pos < expr.length) {
    re.lastIndex = pos;
    const m = re.exec(expr);
    if (m === null) throw new Error(`syntax error at ${pos} in ${expr}`);
    if (m[1] !== undefined) tokens.push({ kind: 'num', value: Number(m[1]) });
    else if (m[2] !== undefined) tokens.push({ kind: 'id', value: m[2] });
    else tokens.push({ kind: 'op', value: m[3] });
    pos = re.lastIndex;
  }
  return tokens;
}

export function evaluate(expr: string, series: Record<string, SeriesPoint>): number | undefined {
  const tokens = tokenize(expr);
  let i = 0;
  const peek = () => tokens[i];
  const expect = (op: string) => {
    const t = tokens[i++];
    if (t === undefined || t.kind !== 'op' || t.value !== op) throw new Error(`expected ${op} in ${expr}`);
  };
  const arith = (a: number | undefined, b: number | undefined, f: (x: number, y: number) => number) =>
    a === undefined || b === undefined ? undefined : f(a, b);

  const primary = (): number | undefined => {
    const t = tokens[i++];
    if (t === undefined) throw new Error(`unexpected end of ${expr}`);
    if (t.kind === 'num') return t.value;
    if (t.kind === 'op' && t.value === '(') {
      const v = sum();
      expect(')');
      return v;
    }
    if (t.kind === 'op' && t.value === '-') return arith(-1, primary(), (x, y) => x * y);
    if (t.kind === 'id') {
      const next = peek();
      if (next?.kind === 'op' && next.value === '(') {
        i += 1;
        if (t.value === 'FILL') {
          const v = sum();
          expect(',');
          const fill = tokens[i++];
          if (fill?.kind !== 'num') throw new Error(`FILL needs a number in ${expr}`);
          expect(')');
          return v ?? fill.value;
        }
        if (t.value === 'SUM') {
          expect('[');
          const items: (number | undefined)[] = [sum()];
          for (let n = peek(); n?.kind === 'op' && n.value === ','; n = peek()) {
            i += 1;
            items.push(sum());
          }
          expect(']');
          expect(')');
          const present = items.filter((v): v is number => v !== undefined);
          return present.length === 0 ? undefined : present.reduce((a, b) => a + b, 0);
        }
        if (t.value === 'PERIOD') {
          const id = tokens[i++];
          if (id?.kind !== 'id' || series[id.value] === undefined) throw new Error(`PERIOD needs a metric id in ${expr}`);
          expect(')');
          return series[id.value].period;
        }
        throw new Error(`unsupported function ${t.value} in ${expr}`);
      }
      const s = series[t.value];
      if (s === undefined) throw new Error(`unknown id ${t.value} in ${expr}`);
      return s.value;
    }
    throw new Error(`unexpected ${t.value} in ${expr}`);
  };
  const product = (): number | undefined => {
    let v = primary();
    for (let t = peek(); t?.kind === 'op' && (t.value === '*' || t.value === '/'); t = peek()) {
      i += 1;
      const r = primary();
      v = t.value === '*' ? arith(v, r, (x, y) => x * y) : arith(v, r, (x, y) => (y === 0 ? NaN : x / y));
    }
    return v;
  };
  const sum = (): number | undefined => {
    let v = product();
    for (let t = peek(); t?.kind === 'op' && (t.value === '+' || t.value === '-'); t = peek()) {
      i += 1;
      const r = product();
      v = t.value === '+' ? arith(v, r, (x, y) => x + y) : arith(v, r, (x, y) => x - y);
    }
    return v;
  };
  const v = sum();
  if (i !== tokens.length) throw new Error(`trailing input in ${expr}`);
  return v;
}

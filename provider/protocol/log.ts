/**
 * Structured JSON logs (one line per entry, as CloudWatch Logs expects from Lambda).
 *
 * The ResponseURL is a pre-signed S3 URL: its query string is a bearer credential that lets
 * anyone answer for the stack (CDK redacts it too). `redactUrl` keeps only scheme, host and path,
 * and `sanitize` strips any query string from every string field as a second line of defence.
 */
import type { Logger } from '../types';

export type LogSink = (line: string) => void;

/** The URL without its query string and fragment: safe to log. */
export function redactUrl(url: string): string {
  const cut = url.search(/[?#]/);
  const base = cut === -1 ? url : url.slice(0, cut);
  // Credentials in the authority (user:pass@) are never logged either.
  return base.replace(/^([a-z][a-z0-9+.-]*:\/\/)[^/@]*@/i, '$1<redacted>@') + (cut === -1 ? '' : '?<redacted>');
}

const URL_IN_TEXT = /\b[a-z][a-z0-9+.-]*:\/\/[^\s"'<>]+/gi;
const MAX_FIELD_CHARS = 2000;

function sanitizeValue(value: unknown, depth: number): unknown {
  if (typeof value === 'string') {
    const clean = value.replace(URL_IN_TEXT, (u) => redactUrl(u));
    return clean.length > MAX_FIELD_CHARS ? `${clean.slice(0, MAX_FIELD_CHARS)}…(${clean.length} chars)` : clean;
  }
  if (value === null || typeof value !== 'object') return value;
  if (depth > 4) return '[nested]';
  if (Array.isArray(value)) return value.slice(0, 50).map((v) => sanitizeValue(v, depth + 1));
  if (value instanceof Error) return { name: value.name, message: sanitizeValue(value.message, depth + 1) };
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) out[k] = sanitizeValue(v, depth + 1);
  return out;
}

export function sanitize(fields: Record<string, unknown>): Record<string, unknown> {
  return sanitizeValue(fields, 0) as Record<string, unknown>;
}

export function jsonLogger(sink: LogSink = (l) => process.stdout.write(`${l}\n`), base: Record<string, unknown> = {}): Logger {
  const write = (level: string, message: string, fields?: Record<string, unknown>) =>
    sink(JSON.stringify({ level, message: sanitizeValue(message, 0), ...sanitize({ ...base, ...(fields ?? {}) }) }));
  return {
    info: (m, f) => write('INFO', m, f),
    warn: (m, f) => write('WARN', m, f),
    error: (m, f) => write('ERROR', m, f),
  };
}

/** A logger that adds fixed fields (request ID, logical ID) to every line. */
export function withFields(log: Logger, fields: Record<string, unknown>): Logger {
  return {
    info: (m, f) => log.info(m, { ...fields, ...f }),
    warn: (m, f) => log.warn(m, { ...fields, ...f }),
    error: (m, f) => log.error(m, { ...fields, ...f }),
  };
}

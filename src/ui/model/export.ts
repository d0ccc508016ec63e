/**
 * Export of the decision log as CSV (one row per decision, spreadsheet-safe) and JSONL (one
 * stored decision per line, the audit format the CLI reads and writes).
 */
import type { StoredDecision } from '../../worker/service-types';

/** CSV columns, in order. */
export const CSV_COLUMNS = [
  'decided_at',
  'transaction_id',
  'user_id',
  'user_name',
  'amount',
  'location',
  'country',
  'merchant_type',
  'mcc_code',
  'timestamp',
  'risk_score',
  'risk_level',
  'recommendation',
  'reason_codes',
  'reason_details',
  'model_score',
  'decision_function',
  'model_version',
  'model_sha256',
  'analyst_label',
] as const;

/**
 * One CSV cell. Text that a spreadsheet would run as a formula (leading `=`, `+`, `-`, `@`, tab
 * or carriage return) gets a leading apostrophe: transaction fields are data, never formulas.
 */
export function csvCell(value: unknown): string {
  if (value === undefined || value === null) return '';
  if (typeof value === 'number') return Number.isFinite(value) ? String(value) : '';
  let text = String(value);
  if (/^[=+\-@\t\r]/.test(text)) text = `'${text}`;
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/** One decision as a CSV line (no line break). */
export function csvRow(d: StoredDecision): string {
  const t = d.transaction ?? ({} as Partial<StoredDecision['transaction']>);
  const values: Record<(typeof CSV_COLUMNS)[number], unknown> = {
    decided_at: Number.isFinite(d.decided_at) ? new Date(d.decided_at).toISOString() : '',
    transaction_id: d.transaction_id,
    user_id: d.user_id,
    user_name: t.user_name,
    amount: t.amount,
    location: t.location,
    country: t.country,
    merchant_type: t.merchant_type,
    mcc_code: t.mcc_code,
    timestamp: t.timestamp,
    risk_score: d.risk_score,
    risk_level: d.risk_level,
    recommendation: d.recommendation,
    reason_codes: d.reason_codes.join('|'),
    reason_details: d.reason_details.join(' | '),
    model_score: d.model_score,
    decision_function: d.decision_function,
    model_version: d.model_version,
    model_sha256: d.model_sha256,
    analyst_label: d.analyst_label,
  };
  return CSV_COLUMNS.map((c) => csvCell(values[c])).join(',');
}

/** The decisions as a CSV document with a header line (CRLF line ends, RFC 4180). */
export function toCsv(decisions: Iterable<StoredDecision>): string {
  const lines = [CSV_COLUMNS.join(',')];
  for (const d of decisions) lines.push(csvRow(d));
  return lines.join('\r\n') + '\r\n';
}

/** The decisions as JSON Lines, one stored decision per line. */
export function toJsonl(decisions: Iterable<StoredDecision>): string {
  const lines: string[] = [];
  for (const d of decisions) lines.push(JSON.stringify(d));
  return lines.length ? lines.join('\n') + '\n' : '';
}

/** Offers `text` as a file download (a blob URL, revoked once the click went through). */
export function downloadText(text: string, fileName: string, mimeType: string, doc: Document = document): void {
  const url = URL.createObjectURL(new Blob([text], { type: mimeType }));
  const a = doc.createElement('a');
  a.href = url;
  a.download = fileName;
  a.rel = 'noopener';
  a.hidden = true;
  doc.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

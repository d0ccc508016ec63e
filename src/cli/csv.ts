import { createReadStream } from 'node:fs';
import { basename } from 'node:path';
import { createInterface } from 'node:readline';
import { createGunzip } from 'node:zlib';

/** A numeric CSV table read into one row-major float64 buffer. */
export interface NumericTable {
  file: string;
  /** Feature column names (the label column excluded). */
  names: string[];
  rows: number;
  features: number;
  /** Row-major values, length rows * features. */
  values: Float64Array;
  /** 0/1 labels when a label column was named. */
  labels: Uint8Array | null;
}

/** A CSV problem, located by file, line (1-based) and column. */
export class CsvError extends Error {
  constructor(
    readonly file: string,
    readonly line: number,
    readonly column: number | null,
    detail: string,
  ) {
    super(`${file}: line ${line}${column === null ? '' : `, column ${column}`}: ${detail}`);
    this.name = 'CsvError';
  }
}

const NUMBER = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;

/**
 * Streams a numeric CSV (optionally gzip-compressed, by the `.gz` suffix) with a header row.
 * Every cell must be a finite decimal number; labels must be 0 or 1. Errors name file, line and
 * column. Memory grows with the table only (no copy of the text is kept).
 */
export async function readNumericCsv(path: string, options: { label?: string } = {}): Promise<NumericTable> {
  const input = createReadStream(path);
  const stream = path.endsWith('.gz') ? input.pipe(createGunzip()) : input;
  const failed = new Promise<never>((_, reject) => {
    input.on('error', (e) => reject(new Error(`${path}: cannot read (${e.message})`)));
    stream.on('error', (e: Error) => reject(new Error(`${path}: cannot decompress (${e.message})`)));
  });
  const lines = createInterface({ input: stream, crlfDelay: Infinity });
  const reading = (async () => {
    let lineNo = 0;
    let header: string[] | null = null;
    let labelCol = -1;
    let width = 0;
    let values = new Float64Array(1 << 16);
    let labels: number[] | null = null;
    let rows = 0;
    let used = 0;
    for await (const line of lines) {
      lineNo++;
      if (header === null) {
        if (line.trim() === '') throw new CsvError(path, lineNo, null, 'the header row is empty');
        header = line.split(',').map((h) => h.trim());
        if (options.label !== undefined) {
          labelCol = header.indexOf(options.label);
          if (labelCol < 0) throw new CsvError(path, 1, null, `no label column "${options.label}" in the header (columns: ${header.join(', ')})`);
          labels = [];
        }
        width = header.length - (labelCol >= 0 ? 1 : 0);
        if (width === 0) throw new CsvError(path, 1, null, 'no feature columns');
        continue;
      }
      if (line === '') continue; // a trailing newline
      const cells = line.split(',');
      if (cells.length !== header.length) {
        throw new CsvError(path, lineNo, null, `has ${cells.length} cells but the header has ${header.length} columns (ragged row)`);
      }
      if (used + width > values.length) {
        const bigger = new Float64Array(values.length * 2);
        bigger.set(values);
        values = bigger;
      }
      for (let c = 0; c < cells.length; c++) {
        const cell = cells[c];
        if (!NUMBER.test(cell)) {
          const what = cell.trim() === '' ? 'is empty' : `"${cell.length > 40 ? `${cell.slice(0, 37)}...` : cell}" is not a finite number`;
          throw new CsvError(path, lineNo, c + 1, `(${header[c]}) ${what}`);
        }
        const v = Number(cell);
        if (!Number.isFinite(v)) throw new CsvError(path, lineNo, c + 1, `(${header[c]}) ${cell} overflows to infinity`);
        if (c === labelCol) {
          if (v !== 0 && v !== 1) throw new CsvError(path, lineNo, c + 1, `(${header[c]}) label must be 0 or 1, got ${cell}`);
          labels!.push(v);
        } else values[used++] = v;
      }
      rows++;
    }
    if (header === null) throw new CsvError(path, 1, null, 'the file is empty');
    if (rows === 0) throw new CsvError(path, lineNo + 1, null, 'the file has a header but no data rows');
    return {
      file: basename(path),
      names: header.filter((_, i) => i !== labelCol),
      rows,
      features: width,
      values: values.slice(0, used),
      labels: labels === null ? null : Uint8Array.from(labels),
    };
  })();
  return Promise.race([reading, failed]);
}

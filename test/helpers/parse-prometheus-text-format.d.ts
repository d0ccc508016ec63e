/** Types of `parse-prometheus-text-format` (a port of prom2json's parser; it ships none). */
declare module 'parse-prometheus-text-format' {
  /** One parsed sample; values stay strings as in prom2json. */
  export interface ParsedSample {
    value?: string;
    labels?: Record<string, string>;
    /** Histograms: upper bound ("le") to cumulative count. */
    buckets?: Record<string, string>;
    count?: string;
    sum?: string;
  }
  /** A metric family. */
  export interface ParsedFamily {
    name: string;
    help: string;
    type: 'COUNTER' | 'GAUGE' | 'HISTOGRAM' | 'SUMMARY' | 'UNTYPED';
    metrics: ParsedSample[];
  }
  /** Parses the text exposition format; throws on a malformed line. */
  export default function parsePrometheusTextFormat(text: string): ParsedFamily[];
}

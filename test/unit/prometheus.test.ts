import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import parsePrometheusTextFormat, { type ParsedFamily } from 'parse-prometheus-text-format';
import { describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main';
import type { DetectionResult, ErrorResult } from '../../src/core/contract/types';
import { createDetector } from '../../src/core/detector';
import {
  createDriftMonitor,
  createShadowDetector,
  DetectorMetrics,
  escapeLabelValue,
  modelDistributions,
  renderExposition,
} from '../../src/core/monitoring';
import { simulate } from '../../src/core/simulator';
import { expectAllClose } from '../helpers/all-close';
import { DEFAULT_MODEL_PATH, defaultModel } from '../helpers/model';

const family = (families: ParsedFamily[], name: string): ParsedFamily => {
  const f = families.find((x) => x.name === name);
  if (!f) throw new Error(`no family ${name} in ${families.map((x) => x.name).join(', ')}`);
  return f;
};

function decision(risk_level: DetectionResult['risk_level'], recommendation: DetectionResult['recommendation']): DetectionResult {
  return {
    transaction_id: 't',
    user_id: 'u',
    risk_score: 0.5,
    risk_level,
    reason_codes: [],
    recommendation,
    reason_details: [],
    model_score: -0.5,
    decision_function: 0,
    model_version: 'v',
  };
}
const error: ErrorResult = { error: { code: 'MISSING_FIELD', field: 'amount', message: 'amount is required' } };

describe('Prometheus text exposition', () => {
  it('parses back with a real parser: counters, histogram, gauges, HELP and TYPE', async () => {
    const metrics = new DetectorMetrics();
    metrics.recordAll([decision('LOW', 'APPROVE'), decision('LOW', 'APPROVE'), decision('MEDIUM', 'REVIEW'), decision('HIGH', 'BLOCK'), error, error, error]);
    metrics.observeLatency(0.00003, 4);
    metrics.observeLatency(0.002);
    metrics.observeLatency(3);

    const model = defaultModel();
    const drift = createDriftMonitor(model, { minSamples: 10 });
    const shadow = createShadowDetector({ champion: model, shadow: model, config: { explain: 'none' } });
    const detector = createDetector({ model, config: { explain: 'none' }, observer: drift });
    const traffic = simulate({ n: 200, seed: 3 });
    await detector.detectBatch(traffic);
    await shadow.detectBatch(traffic);

    const text = metrics.toPrometheus({ model, drift: drift.report(), shadow: shadow.shadowStats() });
    expect(text.endsWith('\n')).toBe(true);
    const parsed = parsePrometheusTextFormat(text);

    const txns = family(parsed, 'txn_anomaly_transactions_total');
    expect(txns.type).toBe('COUNTER');
    expect(txns.help).toBe('Transactions decided, by risk level and recommendation.');
    expect(txns.metrics).toHaveLength(9);
    const count = (level: string, rec: string) => Number(txns.metrics.find((m) => m.labels!.risk_level === level && m.labels!.recommendation === rec)!.value);
    expect(count('LOW', 'APPROVE')).toBe(2);
    expect(count('MEDIUM', 'REVIEW')).toBe(1);
    expect(count('HIGH', 'BLOCK')).toBe(1);
    expect(count('HIGH', 'APPROVE')).toBe(0);
    expect(Number(family(parsed, 'txn_anomaly_errors_total').metrics[0].value)).toBe(3);

    const latency = family(parsed, 'txn_anomaly_scoring_latency_seconds');
    expect(latency.type).toBe('HISTOGRAM');
    const h = latency.metrics[0];
    expect(Number(h.count)).toBe(6);
    expectAllClose(Number(h.sum), 4 * 0.00003 + 0.002 + 3, { rtol: 1e-12 });
    expect(Number(h.buckets!['0.00005'])).toBe(4);
    expect(Number(h.buckets!['0.0025'])).toBe(5);
    expect(Number(h.buckets!['1'])).toBe(5);
    expect(Number(h.buckets!['+Inf'])).toBe(6);
    // Buckets are cumulative.
    const les = Object.keys(h.buckets!).filter((k) => k !== '+Inf').map(Number).sort((a, b) => a - b);
    for (let i = 1; i < les.length; i++) expect(Number(h.buckets![String(les[i])])).toBeGreaterThanOrEqual(Number(h.buckets![String(les[i - 1])]));

    const info = family(parsed, 'txn_anomaly_model_info');
    expect(info.type).toBe('GAUGE');
    expect(info.metrics[0].labels).toEqual({ version: model.file.model_version, sha256: model.file.sha256 });

    const psi = family(parsed, 'txn_anomaly_drift_psi');
    expect(psi.type).toBe('GAUGE');
    expect(psi.metrics.map((m) => m.labels!.feature)).toContain('score');
    expect(['0', '1']).toContain(family(parsed, 'txn_anomaly_drift_warning').metrics[0].value);
    expect(Number(family(parsed, 'txn_anomaly_drift_window_transactions').metrics[0].value)).toBe(200);

    expect(Number(family(parsed, 'txn_anomaly_shadow_agreement_ratio').metrics[0].value)).toBe(1);
    expect(Number(family(parsed, 'txn_anomaly_shadow_compared_total').metrics[0].value)).toBe(200);
    expect(family(parsed, 'txn_anomaly_shadow_disagreements_total').type).toBe('COUNTER');
  });

  it('escapes label values and HELP text so that they parse back unchanged', () => {
    const nasty = 'v"1\\2\nline two ₹';
    const text = renderExposition([
      { name: 'x_info', help: 'help with a \\ backslash\nand a newline', type: 'gauge', samples: [{ name: 'x_info', labels: { version: nasty, sha256: 'ab' }, value: 1 }] },
      { name: 'x_total', help: 'plain', type: 'counter', samples: [{ name: 'x_total', value: Infinity }] },
    ]);
    expect(text).toContain(`version="${escapeLabelValue(nasty)}"`);
    expect(text.split('\n').length).toBe(7);
    const parsed = parsePrometheusTextFormat(text);
    expect(parsed[0].metrics[0].labels).toEqual({ version: nasty, sha256: 'ab' });
    expect(parsed[0].help).toBe('help with a \\ backslash\nand a newline');
    expect(parsed[1].metrics[0].value).toBe('+Inf');
  });

  it('rejects names Prometheus would not accept', () => {
    expect(() => renderExposition([{ name: 'bad-name', help: '', type: 'gauge', samples: [] }])).toThrow(/invalid metric name/);
    expect(() => renderExposition([{ name: 'ok', help: '', type: 'gauge', samples: [{ name: 'ok', labels: { 'bad-label': 'x' }, value: 1 }] }])).toThrow(/invalid label name/);
  });

  it('is written by `txn-anomaly score --metrics FILE` after the batch', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'txn-metrics-'));
    const input = join(dir, 'in.jsonl');
    const prom = join(dir, 'metrics.prom');
    const lines = simulate({ n: 300, seed: 12 }).map((t) => JSON.stringify(t));
    lines.splice(10, 0, '{"transaction_id": "bad", "amount": -1}', 'not json');
    writeFileSync(input, `${lines.join('\n')}\n`);
    let out = '';
    const sink = new Writable({
      write(chunk, _e, cb) {
        out += chunk;
        cb();
      },
    });
    expect(await main(['score', '--model', DEFAULT_MODEL_PATH, '--in', input, '--metrics', prom], sink)).toBe(0);
    expect(out.trim().split('\n')).toHaveLength(302);
    const parsed = parsePrometheusTextFormat(readFileSync(prom, 'utf8'));
    const decided = family(parsed, 'txn_anomaly_transactions_total').metrics.reduce((s, m) => s + Number(m.value), 0);
    expect(decided).toBe(300);
    expect(Number(family(parsed, 'txn_anomaly_errors_total').metrics[0].value)).toBe(2);
    expect(Number(family(parsed, 'txn_anomaly_scoring_latency_seconds').metrics[0].count)).toBe(300);
    expect(family(parsed, 'txn_anomaly_model_info').metrics[0].labels!.sha256).toBe(defaultModel().file.sha256);
    const monitored = [...(modelDistributions(defaultModel().file).features ?? []).map((d) => d.feature), 'score'];
    expect(family(parsed, 'txn_anomaly_drift_psi').metrics.map((m) => m.labels!.feature)).toEqual(monitored);
  });

  it('documents --metrics and the compare command in --help', async () => {
    const read = async (argv: string[]) => {
      let text = '';
      const sink = new Writable({
        write(chunk, _e, cb) {
          text += chunk;
          cb();
        },
      });
      expect(await main(argv, sink)).toBe(0);
      return text;
    };
    expect(await read(['score', '--help'])).toContain('--metrics');
    expect(await read(['compare', '--help'])).toContain('--shadow');
    expect(await read(['--help'])).toContain('compare');
  });
});

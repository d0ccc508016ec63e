import type { DetectionResult } from '../contract/types';

/** A decision paired with its ground truth. */
export interface LabelledDecision {
  result: DetectionResult;
  isAnomaly: boolean;
  anomalyType: string | null;
  /** Time of the transaction (groups a burst into one incident). */
  epochMs: number;
}

/** Anomalies of one user and type closer than this in time form one incident (default 10 min). */
export const INCIDENT_GAP_MS = 600_000;

/** Transactions of a user counted as "new customer" traffic: the user's first five. */
export const NEW_CUSTOMER_TRANSACTIONS = 5;

/** Quality of a detector on labelled traffic. */
export interface DetectorQuality {
  transactions: number;
  anomalies: number;
  /** Share of each anomaly type flagged (REVIEW or BLOCK). */
  recall_by_type: Record<string, { count: number; flagged: number; recall: number }>;
  /**
   * Recall per incident: a burst (velocity, card testing) is one incident, caught when any of its
   * transactions is flagged. The first transactions of a burst look normal when they happen.
   */
  incident_recall_by_type: Record<string, { incidents: number; caught: number; recall: number }>;
  /** False-positive rate on the first five transactions of each user (new customers). */
  false_positive_rate_new_customers: number;
  recall: number;
  /** Share of normal transactions flagged. */
  false_positive_rate: number;
  /** Share of flagged transactions that are anomalies. */
  precision: number;
  /** Average precision of risk_score (area under the precision-recall curve, step-wise). */
  pr_auc: number;
}

/** Computes recall per anomaly type, false-positive rate, precision and PR-AUC. */
export function evaluateDecisions(items: readonly LabelledDecision[]): DetectorQuality {
  const byType: DetectorQuality['recall_by_type'] = {};
  let anomalies = 0;
  let flaggedAnomalies = 0;
  let normals = 0;
  let flaggedNormals = 0;
  let newNormals = 0;
  let newFlagged = 0;
  const seen = new Map<string, number>();
  const open = new Map<string, { last: number; caught: boolean; type: string }>();
  const incidents: DetectorQuality['incident_recall_by_type'] = {};
  const close = (inc: { caught: boolean; type: string }) => {
    const t = (incidents[inc.type] ??= { incidents: 0, caught: 0, recall: 0 });
    t.incidents++;
    if (inc.caught) t.caught++;
  };
  for (const { result, isAnomaly, anomalyType, epochMs } of items) {
    const flagged = result.recommendation !== 'APPROVE';
    const nth = (seen.get(result.user_id) ?? 0) + 1;
    seen.set(result.user_id, nth);
    if (!isAnomaly && nth <= NEW_CUSTOMER_TRANSACTIONS) {
      newNormals++;
      if (flagged) newFlagged++;
    }
    if (isAnomaly) {
      const key = `${result.user_id}\u0000${anomalyType}`;
      const inc = open.get(key);
      if (inc && epochMs - inc.last <= INCIDENT_GAP_MS) {
        inc.last = epochMs;
        inc.caught ||= flagged;
      } else {
        if (inc) close(inc);
        open.set(key, { last: epochMs, caught: flagged, type: anomalyType ?? 'unknown' });
      }
    }
    if (isAnomaly) {
      anomalies++;
      if (flagged) flaggedAnomalies++;
      const key = anomalyType ?? 'unknown';
      const t = (byType[key] ??= { count: 0, flagged: 0, recall: 0 });
      t.count++;
      if (flagged) t.flagged++;
    } else {
      normals++;
      if (flagged) flaggedNormals++;
    }
  }
  for (const inc of open.values()) close(inc);
  for (const t of Object.values(byType)) t.recall = t.flagged / t.count;
  for (const t of Object.values(incidents)) t.recall = t.caught / t.incidents;
  const flagged = flaggedAnomalies + flaggedNormals;
  return {
    transactions: items.length,
    anomalies,
    recall_by_type: byType,
    incident_recall_by_type: incidents,
    false_positive_rate_new_customers: newNormals === 0 ? 0 : newFlagged / newNormals,
    recall: anomalies === 0 ? 0 : flaggedAnomalies / anomalies,
    false_positive_rate: normals === 0 ? 0 : flaggedNormals / normals,
    precision: flagged === 0 ? 0 : flaggedAnomalies / flagged,
    pr_auc: averagePrecision(items.map((i) => i.result.risk_score), items.map((i) => i.isAnomaly)),
  };
}

/** scikit-learn's average_precision_score: sum over thresholds of (R_n - R_{n-1}) P_n. */
export function averagePrecision(scores: readonly number[], positive: readonly boolean[]): number {
  const order = scores.map((_, i) => i).sort((a, b) => scores[b] - scores[a]);
  const total = positive.filter(Boolean).length;
  if (total === 0) return 0;
  let tp = 0;
  let fp = 0;
  let prevRecall = 0;
  let ap = 0;
  for (let k = 0; k < order.length; ) {
    let j = k;
    // Tied scores form one threshold.
    while (j < order.length && scores[order[j]] === scores[order[k]]) {
      if (positive[order[j]]) tp++;
      else fp++;
      j++;
    }
    const recall = tp / total;
    ap += (recall - prevRecall) * (tp / (tp + fp));
    prevRecall = recall;
    k = j;
  }
  return ap;
}

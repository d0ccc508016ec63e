/**
 * The wire contract kept from the Python service, as TypeScript types.
 * Runtime validation lives in `validate.ts`; JSON Schemas in `json-schema.ts`.
 */

/** A transaction as it arrives on the wire. Unknown fields are ignored. */
export interface Transaction {
  transaction_id: string;
  user_id: string;
  /** Finite and >= 0, in the account currency (INR for the simulator). */
  amount: number;
  /** City name, e.g. "Mumbai". */
  location: string;
  /** ISO 8601 with an explicit offset: `2026-01-05T10:00:00Z` or `2026-01-05T15:30:00+05:30`. */
  timestamp: string;
  merchant_type: string;
  user_name?: string;
  country?: string;
  mcc_code?: string;
}

/** A validated transaction with its timestamp resolved. */
export interface ParsedTransaction extends Transaction {
  /** Milliseconds since the Unix epoch (UTC instant). */
  epochMs: number;
  /** Offset of the timestamp from UTC in minutes (+330 for +05:30). */
  offsetMinutes: number;
  /** Wall-clock hour 0..23 in the timestamp's own offset. */
  localHour: number;
  /** Wall-clock minute 0..59 in the timestamp's own offset. */
  localMinute: number;
  /** Day of week 0 (Sunday) .. 6 (Saturday) in the timestamp's own offset. */
  localDayOfWeek: number;
}

/** What the history store keeps per past transaction of a user. */
export interface HistoryEntry {
  transaction_id: string;
  epochMs: number;
  location: string;
  merchant_type: string;
  amount: number;
  localHour: number;
}

/** Risk levels, lowest first. */
export const RiskLevel = { LOW: 'LOW', MEDIUM: 'MEDIUM', HIGH: 'HIGH' } as const;
export type RiskLevel = (typeof RiskLevel)[keyof typeof RiskLevel];

/** What the caller should do with the transaction. */
export const Recommendation = { APPROVE: 'APPROVE', REVIEW: 'REVIEW', BLOCK: 'BLOCK' } as const;
export type Recommendation = (typeof Recommendation)[keyof typeof Recommendation];

/** Reason codes raised by the rules engine. */
export const ReasonCode = {
  HIGH_AMOUNT: 'HIGH_AMOUNT',
  VELOCITY_MULTI_CITY: 'VELOCITY_MULTI_CITY',
  UNUSUAL_HOUR: 'UNUSUAL_HOUR',
  IMPOSSIBLE_TRAVEL: 'IMPOSSIBLE_TRAVEL',
  AMOUNT_SPIKE: 'AMOUNT_SPIKE',
} as const;
export type ReasonCode = (typeof ReasonCode)[keyof typeof ReasonCode];

/** Error codes of a rejected transaction. */
export const ErrorCode = {
  NOT_AN_OBJECT: 'NOT_AN_OBJECT',
  INVALID_JSON: 'INVALID_JSON',
  MISSING_FIELD: 'MISSING_FIELD',
  WRONG_TYPE: 'WRONG_TYPE',
  INVALID_VALUE: 'INVALID_VALUE',
} as const;
export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

/** The decision for one transaction. */
export interface DetectionResult {
  transaction_id: string;
  user_id: string;
  /** 0..1, combining the model score and the rules. */
  risk_score: number;
  risk_level: RiskLevel;
  reason_codes: ReasonCode[];
  recommendation: Recommendation;
  /** One sentence per reason code, in the same order. */
  reason_details: string[];
  /** scikit-learn `score_samples` of the feature row (-s(x), lower is more anomalous). */
  model_score: number;
  /** scikit-learn `decision_function` (score_samples - offset; negative means outlier). */
  decision_function: number;
  /** Explanation of the model score, when computed (see `DetectorConfig.explain`). */
  explanation?: Explanation;
  model_version: string;
}

/** Whether a feature pushed the anomaly score up or down. */
export const ContributionDirection = { RAISES_RISK: 'raises_risk', LOWERS_RISK: 'lowers_risk' } as const;
export type ContributionDirection = (typeof ContributionDirection)[keyof typeof ContributionDirection];

/** One feature's share of the anomaly score. */
export interface FeatureContribution {
  /** Feature name in the model's schema, e.g. "amount_vs_median". */
  feature: string;
  /** Human name, e.g. "Amount vs. this user's median". */
  display_name: string;
  /** The feature's raw value (before the model's scaler). */
  value: number;
  /** The value in the user's terms: "₹12,500", "first time in Delhi", "03:30". */
  display_value: string;
  /**
   * Share of the anomaly score (`Explanation.value - Explanation.base_value`), in anomaly-score
   * units; positive raises the risk. All contributions add up to that difference.
   */
  contribution: number;
  /** The exact Shapley value of the mean path length (negative: isolated sooner, more anomalous). */
  path_length: number;
  /** 'raises_risk' when `contribution` > 0, else 'lowers_risk'. */
  direction: ContributionDirection;
}

/** The user's own normal behaviour, from their history before the transaction. */
export interface UserBaseline {
  /** Past transactions the baseline is computed from. */
  history_size: number;
  /** Median past amount; null without history. */
  typical_amount: number | null;
  /** Most frequent past city (the most recent of equally frequent ones); null without history. */
  home_city: string | null;
  /** Most frequent local hours (0..23), most frequent first, at most three. */
  usual_hours: number[];
  /** One line: "usually ₹1,200 in Mumbai around 10:00, 14:00 (42 past transactions)". */
  display: string;
}

/**
 * Why the model scored a transaction as it did: exact Shapley values (TreeSHAP) of the forest's
 * mean path length, scaled to the anomaly score s = 2^(-E[h]/c(psi)) = -model_score.
 */
export interface Explanation {
  /** Anomaly score at the model's expected path length: 2^(-E[h]/c(psi)). */
  base_value: number;
  /** This transaction's anomaly score, -model_score (higher is more anomalous). */
  value: number;
  /** Every feature, largest |contribution| first; they sum to value - base_value. */
  contributions: FeatureContribution[];
  /** "Risk driven by: amount 12x this user's median, first transaction in Delhi". */
  summary: string;
  /** The user's normal behaviour the features compare against. */
  baseline: UserBaseline;
  /** The exactly explained quantity: mean path length, expected and of this transaction. */
  path_length: { base_value: number; value: number };
}

/** A rejected transaction: names the field and the problem. */
export interface ErrorResult {
  transaction_id?: string;
  error: { code: ErrorCode; field: string; message: string };
}

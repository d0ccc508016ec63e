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
  /** Explanation of the model score, when computed. */
  explanation?: unknown;
  model_version: string;
}

/** A rejected transaction: names the field and the problem. */
export interface ErrorResult {
  transaction_id?: string;
  error: { code: ErrorCode; field: string; message: string };
}

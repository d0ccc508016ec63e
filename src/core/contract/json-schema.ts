/**
 * JSON Schemas (draft 2020-12) of the wire contract, hand-written to mirror the valibot schema in
 * `validate.ts` (the source of truth). The unit tests check the two agree: same required fields in
 * the same order, same properties, and a timestamp pattern that accepts exactly the shapes the
 * validator's parser accepts.
 *
 * What a JSON Schema cannot say, and the validator still enforces: impossible calendar dates
 * (2026-02-30) and finite amounts (JSON has no NaN or Infinity anyway).
 */

import { DEFAULT_CONTRACT_CONFIG, REQUIRED_TRANSACTION_FIELDS, resolveContractConfig } from './validate';
import type { ContractConfig } from './validate';
import { RESULT_KEYS } from './result-shape';
import { ContributionDirection, ErrorCode, ReasonCode, Recommendation, RiskLevel } from './types';

/** A JSON Schema document or sub-schema: plain, JSON-serialisable data. */
export type JsonSchema = { readonly [keyword: string]: unknown };

const DIALECT = 'https://json-schema.org/draft/2020-12/schema';

/**
 * The timestamp grammar as an ECMA-262 regular expression (the dialect JSON Schema's `pattern`
 * uses): `YYYY-MM-DD`, `T`/`t`/space, `HH:MM`, optional `:SS` and `.fraction` (1-9 digits), then a
 * required `Z`/`z`, `+HH:MM` or `+HHMM` offset. Calendar validity (days per month) is checked by the
 * validator only.
 */
export const TIMESTAMP_PATTERN =
  '^[0-9]{4}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])[Tt ]([01][0-9]|2[0-3]):[0-5][0-9]' +
  '(:[0-5][0-9](\\.[0-9]{1,9})?)?([Zz]|[+-]([01][0-9]|2[0-3]):?[0-5][0-9])$';

/** Recursively freezes a plain JSON value so shared schema objects cannot be edited by a caller. */
function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object') {
    for (const child of Object.values(value)) deepFreeze(child);
    Object.freeze(value);
  }
  return value;
}

/** Builds and freezes a schema; the thunk keeps the call droppable by bundlers when unused. */
function frozen<T>(build: () => T): T {
  return deepFreeze(build());
}

function text(description: string, maxLength: number, nullable = false): JsonSchema {
  return {
    type: nullable ? ['string', 'null'] : 'string',
    description,
    minLength: 1,
    maxLength,
    // At least one non-whitespace character: the validator rejects strings empty after trim().
    pattern: '\\S',
  };
}

/**
 * Builds the transaction JSON Schema for the given limits (defaults as in
 * `DEFAULT_CONTRACT_CONFIG`). Unknown properties are allowed (the validator ignores them).
 * Optional string fields also accept `null`, which the validator treats as absent.
 * @throws RangeError when a limit is not an integer >= 1.
 */
export function buildTransactionJsonSchema(config?: Partial<ContractConfig>): JsonSchema {
  const { maxIdLength, maxTextLength } = resolveContractConfig(config);
  return deepFreeze({
    $schema: DIALECT,
    title: 'Transaction',
    description:
      'A transaction as it arrives on the wire. Unknown properties are ignored. Lengths count Unicode code points.',
    type: 'object',
    required: [...REQUIRED_TRANSACTION_FIELDS],
    properties: {
      transaction_id: text('Unique id of the transaction.', maxIdLength),
      user_id: text('Id of the account holder.', maxIdLength),
      amount: {
        type: 'number',
        description: 'Finite and >= 0, in the account currency.',
        minimum: 0,
      },
      location: text('City name, e.g. "Mumbai".', maxTextLength),
      timestamp: {
        type: 'string',
        description:
          'ISO 8601 date-time with an explicit UTC offset: 2026-01-05T10:00:00Z or 2026-01-05T15:30:00+05:30.',
        pattern: TIMESTAMP_PATTERN,
      },
      merchant_type: text('Merchant category, e.g. "grocery".', maxTextLength),
      user_name: text('Display name of the account holder.', maxTextLength, true),
      country: text('Country of the transaction.', maxTextLength, true),
      mcc_code: text('ISO 18245 merchant category code, as a string.', maxIdLength, true),
    },
  });
}

/** The transaction JSON Schema with the default limits (`maxIdLength` 128, `maxTextLength` 256). */
export const transactionJsonSchema: JsonSchema = /* @__PURE__ */ buildTransactionJsonSchema(DEFAULT_CONTRACT_CONFIG);

/** An anomaly score s = 2^(-h / c(psi)) = -score_samples: in (0, 1]. */
function anomalyScore(description: string): JsonSchema {
  return { type: 'number', exclusiveMinimum: 0, maximum: 1, description };
}

/**
 * The JSON Schema of `DetectionResult.explanation` (`Explanation`): exact TreeSHAP values of the
 * forest's mean path length, scaled to the anomaly score. Open to extra properties, like the
 * detection result. What a schema cannot say, and the detector guarantees: one contribution per
 * model feature, largest |contribution| first, summing to `value - base_value`.
 */
export const explanationJsonSchema: JsonSchema = /* @__PURE__ */ frozen(() => ({
  $schema: DIALECT,
  title: 'Explanation',
  description:
    'Why the model scored the transaction as it did: exact Shapley values (TreeSHAP) of the mean path length, scaled to the anomaly score.',
  type: 'object',
  required: ['base_value', 'value', 'contributions', 'summary', 'baseline', 'path_length'],
  properties: {
    base_value: anomalyScore("Anomaly score at the model's expected path length, 2^(-E[h]/c(psi))."),
    value: anomalyScore("This transaction's anomaly score, -model_score (higher is more anomalous)."),
    contributions: {
      type: 'array',
      description: 'Every model feature, largest |contribution| first; contributions sum to value - base_value.',
      minItems: 1,
      items: {
        type: 'object',
        required: ['feature', 'display_name', 'value', 'display_value', 'contribution', 'path_length', 'direction'],
        properties: {
          feature: { type: 'string', minLength: 1, description: 'Feature name in the model\'s schema, e.g. "amount_vs_median".' },
          display_name: { type: 'string', minLength: 1, description: 'Human name, e.g. "Amount vs. this user\'s median".' },
          value: { type: 'number', description: "The feature's raw value (before the model's scaler)." },
          display_value: { type: 'string', description: 'The value in the user\'s terms: "₹12,500", "first time in Delhi", "03:30".' },
          contribution: {
            type: 'number',
            description: 'Share of value - base_value, in anomaly-score units; positive raises the risk.',
          },
          path_length: {
            type: 'number',
            description: 'The exact Shapley value of the mean path length (negative: isolated sooner, more anomalous).',
          },
          direction: {
            enum: Object.values(ContributionDirection),
            description: '"raises_risk" when contribution > 0, else "lowers_risk".',
          },
        },
      },
    },
    summary: { type: 'string', minLength: 1, description: '"Risk driven by: amount 12x this user\'s median, first transaction in Delhi".' },
    baseline: {
      type: 'object',
      description: "The user's normal behaviour before the transaction, which the features compare against.",
      required: ['history_size', 'typical_amount', 'home_city', 'usual_hours', 'display'],
      properties: {
        history_size: { type: 'integer', minimum: 0, description: 'Past transactions the baseline is computed from.' },
        typical_amount: { type: ['number', 'null'], minimum: 0, description: 'Median past amount; null without history.' },
        home_city: { type: ['string', 'null'], description: 'Most frequent past city; null without history.' },
        usual_hours: {
          type: 'array',
          items: { type: 'integer', minimum: 0, maximum: 23 },
          maxItems: 3,
          uniqueItems: true,
          description: 'Most frequent local hours, most frequent first.',
        },
        display: { type: 'string', minLength: 1, description: 'One line, e.g. "usually ₹1,200 in Mumbai around 10:00 (42 past transactions)".' },
      },
    },
    path_length: {
      type: 'object',
      description: 'The exactly explained quantity: the mean path length, expected and of this transaction.',
      required: ['base_value', 'value'],
      properties: {
        base_value: { type: 'number', minimum: 0, description: 'E[h], the expected mean path length.' },
        value: { type: 'number', minimum: 0, description: "h(x), this transaction's mean path length." },
      },
    },
  },
}));

/**
 * The JSON Schema of a detection result (`DetectionResult`). Open to extra properties, so adding
 * an output field later does not break existing consumers.
 */
export const detectionResultJsonSchema: JsonSchema = /* @__PURE__ */ frozen(() => ({
  $schema: DIALECT,
  title: 'DetectionResult',
  description: 'The decision for one transaction.',
  type: 'object',
  required: [...RESULT_KEYS],
  properties: {
    transaction_id: { type: 'string' },
    user_id: { type: 'string' },
    risk_score: { type: 'number', minimum: 0, maximum: 1, description: 'Combines the model score and the rules.' },
    risk_level: { enum: Object.values(RiskLevel) },
    reason_codes: { type: 'array', items: { enum: Object.values(ReasonCode) } },
    recommendation: { enum: Object.values(Recommendation) },
    reason_details: {
      type: 'array',
      items: { type: 'string' },
      description: 'One sentence per reason code, in the same order.',
    },
    model_score: {
      type: 'number',
      description: 'scikit-learn score_samples of the feature row (lower is more anomalous).',
    },
    decision_function: {
      type: 'number',
      description: 'scikit-learn decision_function (score_samples - offset; negative means outlier).',
    },
    explanation: {
      ...Object.fromEntries(Object.entries(explanationJsonSchema).filter(([keyword]) => keyword !== '$schema')),
      description: 'Explanation of the model score, when computed (see the detector option `explain`).',
    },
    model_version: { type: 'string' },
  },
}));

/**
 * The JSON Schema of an error result (`ErrorResult`): a rejected transaction. Open to extra
 * properties, like the detection result schema.
 */
export const errorResultJsonSchema: JsonSchema = /* @__PURE__ */ frozen(() => ({
  $schema: DIALECT,
  title: 'ErrorResult',
  description: 'A rejected transaction: names the field and the problem.',
  type: 'object',
  required: ['error'],
  properties: {
    transaction_id: {
      type: 'string',
      description: 'Present when the input carried a valid transaction_id.',
    },
    error: {
      type: 'object',
      required: ['code', 'field', 'message'],
      properties: {
        code: { enum: Object.values(ErrorCode) },
        field: {
          type: 'string',
          description: 'The offending field, or "$" when the input as a whole is wrong (not an object, not JSON).',
        },
        message: { type: 'string', description: 'The field and the problem, in plain English.' },
      },
    },
  },
}));

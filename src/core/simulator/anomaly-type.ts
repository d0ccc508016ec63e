/** The labelled anomaly scenarios the simulator injects. */
export const AnomalyType = {
  /** One transaction above 10,000 INR (12,000-200,000). */
  HIGH_AMOUNT: 'high_amount',
  /** 4-6 transactions of one user within about 60 s from two or more cities. */
  VELOCITY_BURST: 'velocity_burst',
  /** A plausible transaction between 02:00 and 05:00 local time. */
  NIGHT_TIME: 'night_time',
  /** A city and merchant type the user never used, an amount well above their typical but below 10,000. */
  ACCOUNT_TAKEOVER: 'account_takeover',
  /** 3-8 tiny amounts (1-50 INR) within a few minutes, often at a merchant type the user does not use. */
  CARD_TESTING: 'card_testing',
} as const;
export type AnomalyType = (typeof AnomalyType)[keyof typeof AnomalyType];

/** Every anomaly type, in declaration order. */
export const ANOMALY_TYPES: readonly AnomalyType[] = Object.values(AnomalyType);

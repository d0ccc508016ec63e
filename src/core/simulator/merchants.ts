/** Merchant types the simulated users pay at. */
export const MerchantType = {
  GROCERY: 'grocery',
  ELECTRONICS: 'electronics',
  RESTAURANT: 'restaurant',
  FUEL: 'fuel',
  TRAVEL: 'travel',
  ENTERTAINMENT: 'entertainment',
  HEALTHCARE: 'healthcare',
  UTILITIES: 'utilities',
} as const;
export type MerchantType = (typeof MerchantType)[keyof typeof MerchantType];

/** Every merchant type; the simulator refers to merchants by index into this array. */
export const MERCHANT_TYPES: readonly MerchantType[] = Object.values(MerchantType);

/** ISO 18245 merchant category code written with each merchant type. */
export const MCC_CODES: Readonly<Record<MerchantType, string>> = {
  grocery: '5411',
  electronics: '5732',
  restaurant: '5812',
  fuel: '5541',
  travel: '4722',
  entertainment: '7832',
  healthcare: '8062',
  utilities: '4900',
};

/** Index of a merchant type in `MERCHANT_TYPES`. */
export const M = {
  grocery: 0,
  electronics: 1,
  restaurant: 2,
  fuel: 3,
  travel: 4,
  entertainment: 5,
  healthcare: 6,
  utilities: 7,
} as const;

/** Typical ticket of a merchant type relative to the user's median amount. */
export const AMOUNT_MULTIPLIER: readonly number[] = [0.8, 2.6, 0.6, 0.9, 2.2, 0.7, 1.1, 1.3];

/** How likely each merchant type is to be one of a user's habitual ones. */
export const HABIT_POPULARITY: readonly number[] = [1.0, 0.35, 0.9, 0.7, 0.3, 0.5, 0.4, 0.6];

/** Weekend weight multiplier per merchant type (more leisure, fewer bills). */
export const WEEKEND_MULTIPLIER: readonly number[] = [1.2, 1.2, 1.5, 1.0, 1.1, 1.8, 0.7, 0.4];

/** Where travellers spend, beside their habits (restaurant, travel, entertainment, fuel). */
export const TRIP_MERCHANTS: readonly number[] = [M.restaurant, M.travel, M.entertainment, M.fuel];
/** Weights of `TRIP_MERCHANTS`. */
export const TRIP_WEIGHTS: readonly number[] = [0.45, 0.25, 0.2, 0.1];

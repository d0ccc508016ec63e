import type { Transaction } from '../contract/types';
import type { AnomalyType } from './anomaly-type';

/**
 * A simulated transaction. The label fields are present when labels are requested (the default
 * of `simulate`, `simulateStream` and the live simulator) and absent otherwise.
 */
export interface LabelledTransaction extends Transaction {
  /** True for injected anomalies. */
  is_anomaly?: boolean;
  /** The injected scenario, or null for normal traffic. */
  anomaly_type?: AnomalyType | null;
}

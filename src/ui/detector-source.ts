/**
 * What the app's panels need from a detector, and how they find it. `<anomaly-detector>`
 * implements {@link DetectorSource} on top of the one worker client; tests pass a plain object.
 * Only types come from the worker and the core: no scoring code reaches the main bundle.
 */
import type { DetectionResult, ErrorResult, HistoryEntry } from '../core/contract/types';
import type { AnalystLabel, DecisionQuery, MetricsSnapshot, StoredDecision } from '../worker/service-types';

/** Called with the decisions each committed batch added (changes only, never the whole log). */
export type DecisionListener = (decisions: StoredDecision[]) => void;

/** The detector API the panels use; every call is asynchronous (it crosses the worker boundary). */
export interface DetectorSource {
  detect(txn: unknown): Promise<DetectionResult | ErrorResult>;
  detectBatch(txns: unknown[]): Promise<Array<DetectionResult | ErrorResult>>;
  history(userId: string): Promise<HistoryEntry[]>;
  decisions(query?: DecisionQuery): Promise<StoredDecision[]>;
  label(transactionId: string, label: AnalystLabel): Promise<void>;
  metrics(): Promise<MetricsSnapshot>;
  /** Subscribes to new decisions; resolves with the function that unsubscribes. */
  subscribe(listener: DecisionListener): Promise<() => void>;
}

/** True when `value` looks like a {@link DetectorSource} (duck-typed: tests pass plain objects). */
export function isDetectorSource(value: unknown): value is DetectorSource {
  const v = value as Partial<DetectorSource> | null | undefined;
  return !!v && typeof v.detectBatch === 'function' && typeof v.subscribe === 'function' && typeof v.metrics === 'function';
}

/**
 * The detector an element works with: its `detector` property when set, else the element whose
 * id its `for` attribute names, looked up in the element's own tree (document or shadow root).
 */
export function resolveDetector(host: HTMLElement, explicit: DetectorSource | undefined, forId: string | undefined): DetectorSource | undefined {
  if (explicit) return explicit;
  if (!forId) return undefined;
  const root = host.getRootNode() as Document | ShadowRoot;
  const found = root.getElementById?.(forId) ?? host.ownerDocument.getElementById(forId);
  return isDetectorSource(found) ? found : undefined;
}

/**
 * Like {@link resolveDetector}, but waits for the element named by `for` to be defined (it may be
 * upgraded after the elements that refer to it). Resolves with undefined when there is none.
 */
export async function whenDetector(host: HTMLElement, explicit: DetectorSource | undefined, forId: string | undefined): Promise<DetectorSource | undefined> {
  const now = resolveDetector(host, explicit, forId);
  if (now || !forId) return now;
  const root = host.getRootNode() as Document | ShadowRoot;
  const el = root.getElementById?.(forId) ?? host.ownerDocument.getElementById(forId);
  if (!el || !el.localName.includes('-')) return undefined;
  await customElements.whenDefined(el.localName);
  return resolveDetector(host, explicit, forId);
}

/** True for an error result of `detect`/`detectBatch`. */
export function isErrorOutcome(outcome: DetectionResult | ErrorResult): outcome is ErrorResult {
  return 'error' in outcome;
}

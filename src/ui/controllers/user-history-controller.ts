/**
 * Loads a user's recent history from the detector for the decision detail view. The host says
 * which user it shows; a late answer for a user no longer shown is dropped.
 */
import type { ReactiveController, ReactiveControllerHost } from 'lit';
import type { HistoryEntry } from '../../core/contract/types';
import type { DetectorSource } from '../detector-source';

/** Loading state of the history. */
export const HistoryStatus = { IDLE: 'idle', LOADING: 'loading', DONE: 'done', ERROR: 'error' } as const;
export type HistoryStatus = (typeof HistoryStatus)[keyof typeof HistoryStatus];

/** One user's history at a time, bound to a Lit host. */
export class UserHistoryController implements ReactiveController {
  status: HistoryStatus = HistoryStatus.IDLE;
  /** Newest first. */
  entries: HistoryEntry[] = [];
  error: unknown;
  private userId: string | undefined;
  private source: DetectorSource | undefined;
  private request = 0;

  constructor(private readonly host: ReactiveControllerHost) {
    host.addController(this);
  }

  hostConnected(): void {}

  /** Shows `userId`'s history from `source`; loads it when either changed. */
  show(source: DetectorSource | undefined, userId: string | undefined): void {
    if (source === this.source && userId === this.userId) return;
    this.source = source;
    this.userId = userId;
    void this.load();
  }

  /** Loads again (e.g. after more transactions of the user were scored). */
  reload(): void {
    void this.load();
  }

  private async load(): Promise<void> {
    const request = ++this.request;
    const { source, userId } = this;
    if (!source || !userId) {
      this.status = HistoryStatus.IDLE;
      this.entries = [];
      this.host.requestUpdate();
      return;
    }
    this.status = HistoryStatus.LOADING;
    this.host.requestUpdate();
    try {
      const entries = await source.history(userId);
      if (request !== this.request) return;
      this.entries = [...entries].sort((a, b) => b.epochMs - a.epochMs);
      this.status = HistoryStatus.DONE;
      this.error = undefined;
    } catch (error) {
      if (request !== this.request) return;
      this.entries = [];
      this.status = HistoryStatus.ERROR;
      this.error = error;
    }
    this.host.requestUpdate();
  }
}

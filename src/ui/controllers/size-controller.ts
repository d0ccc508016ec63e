/**
 * Observes the size of an element in the host's shadow root (a virtualized list's viewport) and
 * asks the host to render when its height changes.
 */
import type { ReactiveController, ReactiveControllerHost } from 'lit';

/** Height tracking of one element, bound to a Lit host. */
export class SizeController implements ReactiveController {
  /** The observed element's client height, px (0 until first measured). */
  height = 0;
  private observer: ResizeObserver | undefined;
  private target: Element | undefined;

  constructor(private readonly host: ReactiveControllerHost) {
    host.addController(this);
  }

  /** Starts observing `element` (call from `firstUpdated`, or again when it was replaced). */
  observe(element: Element | null | undefined): void {
    if (!element || element === this.target) return;
    this.observer?.disconnect();
    this.target = element;
    this.observer = new ResizeObserver(() => this.measure());
    // The observer reports the initial size too (after layout, outside the host's update).
    this.observer.observe(element);
  }

  hostConnected(): void {
    if (this.target && !this.observer) {
      this.observer = new ResizeObserver(() => this.measure());
      this.observer.observe(this.target);
    }
  }

  hostDisconnected(): void {
    this.observer?.disconnect();
    this.observer = undefined;
  }

  private measure(): void {
    const h = this.target?.clientHeight ?? 0;
    if (h !== this.height) {
      this.height = h;
      this.host.requestUpdate();
    }
  }
}

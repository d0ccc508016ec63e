/**
 * Design tokens and small shared rules for every element. Light and dark follow
 * `prefers-color-scheme`; a page can override any `--txn-*` custom property from outside.
 * Colours meet WCAG AA contrast on their own background in both schemes.
 */
import { css } from 'lit';

/** Colour, spacing and type tokens as private custom properties, with public overrides. */
export const tokens = css`
  :host {
    --_bg: var(--txn-bg, #ffffff);
    --_surface: var(--txn-surface, #f4f6f8);
    --_fg: var(--txn-fg, #1b1f24);
    --_muted: var(--txn-muted, #4b5563);
    --_border: var(--txn-border, #c9d1d9);
    --_accent: var(--txn-accent, #0b5cad);
    --_accent-fg: var(--txn-accent-fg, #ffffff);
    --_focus: var(--txn-focus, #1a73e8);
    --_low: var(--txn-low, #1e6b34);
    --_medium: var(--txn-medium, #8a5300);
    --_high: var(--txn-high, #b3261e);
    --_low-bg: var(--txn-low-bg, #e3f4e8);
    --_medium-bg: var(--txn-medium-bg, #fff1d6);
    --_high-bg: var(--txn-high-bg, #fde7e5);
    --_radius: var(--txn-radius, 6px);
    --_gap: var(--txn-gap, 0.75rem);
    --_font: var(--txn-font, system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif);
    --_mono: var(--txn-mono, ui-monospace, 'SFMono-Regular', Menlo, Consolas, monospace);
    color: var(--_fg);
    font-family: var(--_font);
    box-sizing: border-box;
  }
  @media (prefers-color-scheme: dark) {
    :host {
      --_bg: var(--txn-bg, #12161b);
      --_surface: var(--txn-surface, #1b2128);
      --_fg: var(--txn-fg, #e6e9ee);
      --_muted: var(--txn-muted, #a9b3bf);
      --_border: var(--txn-border, #3a4450);
      --_accent: var(--txn-accent, #7cb7ff);
      --_accent-fg: var(--txn-accent-fg, #0b1220);
      --_focus: var(--txn-focus, #9ecbff);
      --_low: var(--txn-low, #7ddc98);
      --_medium: var(--txn-medium, #ffc766);
      --_high: var(--txn-high, #ff9a90);
      --_low-bg: var(--txn-low-bg, #16301f);
      --_medium-bg: var(--txn-medium-bg, #3a2c0f);
      --_high-bg: var(--txn-high-bg, #3f1a17);
    }
  }
  *,
  *::before,
  *::after {
    box-sizing: inherit;
  }
  :focus-visible {
    outline: 2px solid var(--_focus);
    outline-offset: 2px;
  }
  .visually-hidden {
    position: absolute !important;
    width: 1px;
    height: 1px;
    overflow: hidden;
    clip: rect(0 0 0 0);
    clip-path: inset(50%);
    white-space: nowrap;
  }
`;

/** Buttons, inputs and selects that look the same in every element. */
export const controls = css`
  button,
  input,
  select {
    font: inherit;
    color: inherit;
    min-height: 2.25rem;
  }
  button {
    background: var(--_surface);
    border: 1px solid var(--_border);
    border-radius: var(--_radius);
    padding: 0.35rem 0.75rem;
    cursor: pointer;
  }
  button:hover {
    border-color: var(--_accent);
  }
  button.primary {
    background: var(--_accent);
    color: var(--_accent-fg);
    border-color: var(--_accent);
  }
  button:disabled {
    opacity: 0.6;
    cursor: not-allowed;
  }
  input,
  select {
    background: var(--_bg);
    border: 1px solid var(--_border);
    border-radius: var(--_radius);
    padding: 0.3rem 0.5rem;
    min-width: 0;
  }
  label {
    display: flex;
    flex-direction: column;
    gap: 0.2rem;
    font-size: 0.85rem;
    color: var(--_muted);
  }
`;

/** Coloured chips for levels and recommendations (`.chip.LOW`, `.chip.BLOCK`, ...). */
export const chips = css`
  .chip {
    display: inline-block;
    padding: 0.05rem 0.45rem;
    border-radius: 999px;
    font-size: 0.75rem;
    font-weight: 600;
    letter-spacing: 0.02em;
    white-space: nowrap;
  }
  .chip.LOW,
  .chip.APPROVE {
    color: var(--_low);
    background: var(--_low-bg);
  }
  .chip.MEDIUM,
  .chip.REVIEW {
    color: var(--_medium);
    background: var(--_medium-bg);
  }
  .chip.HIGH,
  .chip.BLOCK {
    color: var(--_high);
    background: var(--_high-bg);
  }
`;

/**
 * Sets inline style properties through the CSSOM (`element.style.setProperty`), never through the
 * `style` attribute. A Content-Security-Policy without `'unsafe-inline'` in `style-src` blocks
 * style attributes (which Lit's `styleMap` writes on its first render) but not CSSOM writes.
 */
import { noChange } from 'lit';
import { Directive, directive, PartType, type ElementPart, type PartInfo } from 'lit/directive.js';

/** Property name (`top`, `--bar`) to value; null or undefined removes the property. */
export type StyleProps = Readonly<Record<string, string | number | null | undefined>>;

class StylePropsDirective extends Directive {
  private previous = new Set<string>();

  constructor(partInfo: PartInfo) {
    super(partInfo);
    if (partInfo.type !== PartType.ELEMENT) throw new Error('styleProps() must be used on an element: <div ${styleProps({...})}>');
  }

  render(_props: StyleProps): typeof noChange {
    return noChange;
  }

  override update(part: ElementPart, [props]: [StyleProps]): typeof noChange {
    const style = (part.element as HTMLElement | SVGElement).style;
    const next = new Set<string>();
    for (const [name, value] of Object.entries(props)) {
      if (value === null || value === undefined) continue;
      style.setProperty(name, String(value));
      next.add(name);
    }
    for (const name of this.previous) if (!next.has(name)) style.removeProperty(name);
    this.previous = next;
    return noChange;
  }
}

/** `<div ${styleProps({ transform: 'translateY(40px)' })}>`: CSP-safe inline styles. */
export const styleProps = directive(StylePropsDirective);

// What a lab plugs into `poc dashboard`: a view is a data producer that runs on the
// server (with the CLI's own AWS session) and a render function that runs in the page.
//
// The render function is sent to the browser as its source text (Function#toString), so
// it must be self-contained: it may use only its arguments and the browser's built-ins,
// nothing imported or defined elsewhere in its module. It builds the page only through
// `h`, which makes elements and text nodes (never HTML from strings), so whatever the
// data holds (item names come from uploaded files) is shown as text, not markup.
import type { Ctx } from '../engine/resource.js';

/** An element built by `h`; opaque to the render function (the page has the DOM). */
export interface El {
  readonly __element: true;
}

export type Child = El | string | number | boolean | null | undefined | Child[];

/** The attributes `h` sets; others are ignored (no event handlers, no style, no href). */
export interface Props {
  class?: string;
  title?: string;
  role?: string;
  [name: `data-${string}`]: string | number | undefined;
  [name: `aria-${string}`]: string | number | undefined;
}

/** `h('td', { class: 'zero' }, item.name)`: strings and numbers become text nodes; false, null and undefined are skipped. */
export type H = (tag: string, props?: Props | null, ...children: Child[]) => El;

export type Render<T> = (data: T, h: H) => Child;

export interface DashboardView<T extends object = object> {
  /** Short name of the view, e.g. "orders". */
  id: string;
  /** The page's heading, e.g. "Order pipeline". */
  title: string;
  /** How often the page asks for a new snapshot (default 2000 ms). */
  refreshMs?: number;
  /**
   * Reads what to show, on the server. ctx is the CLI's session with fresh per-run caches
   * (state, reads) for every snapshot, so each one is a new look. Only what it returns
   * reaches the page: never put credentials or request details in it.
   */
  snapshot(ctx: Ctx): Promise<T>;
  /** Draws a snapshot in the page (see the rules at the top of this file). */
  render: Render<T>;
  /** Its own style rules, added to the page's (class names it uses in render). */
  css?: string;
}

// Views of different data types live side by side where the lab registers them.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AnyView = DashboardView<any>;

// The dashboard's one page: markup, style and the script that polls the snapshot endpoint
// and draws it with the view's render function. Everything is inline (the machine may have
// no internet, and a projector room often has none), under a Content-Security-Policy that
// lets only this response's own script and style run.
import type { AnyView } from '../labs/view.js';

const escapeHtml = (text: string) => text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

// Sizes in rem from a large base and strong contrast: it is read from the back of a room.
const BASE_CSS = `
:root { font-size: 22px; color-scheme: light; }
* { box-sizing: border-box; }
body { margin: 0; font-family: system-ui, "DejaVu Sans", sans-serif; background: #f4f5f7; color: #111; line-height: 1.35; }
header { display: flex; align-items: baseline; gap: 1rem; flex-wrap: wrap; padding: .7rem 1.2rem; background: #14213d; color: #fff; }
header h1 { margin: 0; font-size: 1.6rem; }
header .meta { font-size: .85rem; opacity: .9; }
#status { margin-left: auto; font-size: .85rem; }
#error { display: none; margin: 1rem 1.2rem 0; padding: .6rem .9rem; border-left: .4rem solid #b00020; background: #fde7ea; color: #5c0010; font-weight: 600; }
#error.shown { display: block; }
#error .hint { font-weight: 400; }
main { padding: 1rem 1.2rem 2rem; }
.empty { font-size: 1.1rem; color: #333; }
table { border-collapse: collapse; }
th, td { text-align: left; padding: .25rem .6rem; border-bottom: 1px solid #ccd; }
th { font-size: .8rem; text-transform: uppercase; letter-spacing: .04em; color: #334; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
`;

// Runs in the browser. `h` is the only way the view's render function builds the page:
// elements from a fixed list of tags, a fixed set of attributes, and data as text nodes.
const CLIENT = `
const TAGS = new Set(['div','span','p','h2','h3','h4','table','thead','tbody','tr','th','td','ul','ol','li','strong','em','small','section','article','figure','figcaption','code','b','i']);
const ATTR = /^(class|title|role|data-[a-z0-9-]+|aria-[a-z-]+)$/;
function add(parent, child) {
  if (child === null || child === undefined || child === false || child === true) return;
  if (Array.isArray(child)) { for (const c of child) add(parent, c); return; }
  parent.appendChild(child instanceof Node ? child : document.createTextNode(String(child)));
}
function h(tag, props, ...children) {
  if (!TAGS.has(tag)) throw new Error('the dashboard does not make <' + tag + '> elements');
  const el = document.createElement(tag);
  for (const [name, value] of Object.entries(props || {})) {
    if (value !== undefined && value !== null && ATTR.test(name)) el.setAttribute(name, String(value));
  }
  add(el, children);
  return el;
}
const viewEl = document.getElementById('view');
const statusEl = document.getElementById('status');
const errorEl = document.getElementById('error');
let snapshots = 0;
function showError(e) {
  errorEl.replaceChildren();
  if (!e) { errorEl.classList.remove('shown'); return; }
  add(errorEl, [h('div', null, e.message), e.hint ? h('div', { class: 'hint' }, e.hint) : null]);
  errorEl.classList.add('shown');
}
const time = (at) => new Date(at).toLocaleTimeString();
let lastDrawn;
async function tick() {
  let body;
  try {
    const response = await fetch('/api/snapshot', { cache: 'no-store' });
    body = await response.json();
  } catch (e) {
    showError({ message: 'The dashboard does not answer: was poc dashboard stopped?', hint: String((e && e.message) || e) });
    statusEl.textContent = lastDrawn ? 'last read ' + time(lastDrawn) + ' · dashboard not answering' : 'dashboard not answering';
    setTimeout(tick, REFRESH_MS);
    return;
  }
  if (body.error) {
    showError(body.error);
    // The status line says what the page shows: the last good look, or nothing yet.
    statusEl.textContent = (lastDrawn ? 'last read ' + time(lastDrawn) : 'nothing read yet') + ' · failed ' + time(body.at);
    if (!lastDrawn) viewEl.replaceChildren(h('p', { class: 'empty' }, 'Nothing read from AWS yet: see the message above.'));
  } else {
    try {
      const out = document.createDocumentFragment();
      add(out, render(body.data, h));
      viewEl.replaceChildren(out);
      showError(undefined);
      lastDrawn = body.at;
      statusEl.textContent = 'updated ' + time(body.at);
    } catch (e) {
      showError({ message: 'The page could not draw what AWS answered (a bug in the view: please report it).', hint: String((e && e.message) || e) });
      statusEl.textContent = (lastDrawn ? 'last drawn ' + time(lastDrawn) : 'nothing drawn yet') + ' · failed ' + time(body.at);
    }
  }
  document.body.dataset.snapshots = String(++snapshots);
  setTimeout(tick, REFRESH_MS);
}
tick();
`;

export function pageHtml(view: AnyView, nonce: string, meta: string): string {
  // The render function's own source; "</" cannot close the script element early.
  const script = `'use strict';\n{\nconst render = (${view.render.toString()});\nconst REFRESH_MS = ${Math.max(500, view.refreshMs ?? 2000)};\n${CLIENT}}`.replace(/<\//g, '<\\/');
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(view.title)} · poc dashboard</title>
<style nonce="${nonce}">${BASE_CSS}${view.css ?? ''}</style>
</head>
<body data-view="${escapeHtml(view.id)}">
<header><h1>${escapeHtml(view.title)}</h1><span class="meta">${escapeHtml(meta)}</span><span id="status">loading…</span></header>
<div id="error" role="alert"></div>
<main id="view"><p class="empty">Reading AWS…</p></main>
<script nonce="${nonce}">${script}</script>
</body>
</html>
`;
}

export function contentSecurityPolicy(nonce: string): string {
  return [
    "default-src 'none'",
    `script-src 'nonce-${nonce}'`,
    `style-src 'nonce-${nonce}'`,
    "connect-src 'self'",
    "img-src 'self'",
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'none'",
  ].join('; ');
}

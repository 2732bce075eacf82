// The dashboard under --local: the lab's own view, with the local inbox below it, so the
// page shows an order travelling through the pipeline and then its mail arriving.
import type { AnyView, DashboardView, H } from '../labs/view.js';
import { readInbox } from './inbox.js';

interface InboxMail {
  time: string;
  to: string;
  subject: string;
  kind: string;
  text: string;
}

interface WithInbox {
  lab: object;
  /** The newest first, at most SHOWN of them. */
  inbox: InboxMail[];
  /** How many mails the lab's topics sent in all. */
  inboxTotal: number;
  /** With no mail: what makes one come (this lab's setup with an address, then the confirmation). */
  inboxHint: string;
}

const SHOWN = 20;
const TEXT_CHARS = 240;
const clip = (text: string) => (text.length > TEXT_CHARS ? `${text.slice(0, TEXT_CHARS - 1)}…` : text);

/** Runs in the page (self-contained: see src/labs/view.ts). */
function renderInbox(mails: InboxMail[], total: number, hint: string, h: H) {
  const count = `${total} mail${total === 1 ? '' : 's'}${total > mails.length ? ` (the newest ${mails.length} shown)` : ''}`;
  return h(
    'section',
    { class: 'inbox' },
    h('h2', null, `Inbox (local): ${count}`),
    mails.length
      ? h(
          'table',
          null,
          h('thead', null, h('tr', null, h('th', null, 'Time'), h('th', null, 'To'), h('th', null, 'Subject'), h('th', null, 'Message'))),
          h(
            'tbody',
            null,
            // In the browser's time zone, as the page's other times.
            mails.map((m) => h('tr', { 'data-kind': m.kind }, h('td', { class: 'time' }, new Date(m.time).toLocaleTimeString()), h('td', null, m.to), h('td', null, m.subject), h('td', { class: 'message' }, m.text))),
          ),
        )
      : h('p', { class: 'empty' }, `No mail yet. ${hint}`),
  );
}

/** `topicArns`: the lab's topics; the inbox shows only their mails (a class shares one local AWS). */
export function withInbox(view: AnyView, endpoint: string, topicArns: string[]): AnyView {
  const labRender = view.render.toString();
  const composed: DashboardView<WithInbox> = {
    ...view,
    async snapshot(ctx) {
      const [lab, { items }] = await Promise.all([view.snapshot(ctx), readInbox({ endpoint }, 0, 0, ctx.signal)]);
      const mails = items.filter((m) => topicArns.includes(m.topicArn));
      return {
        lab,
        inbox: mails
          .slice(-SHOWN)
          .reverse()
          .map((m) => ({ time: m.time, to: m.to, subject: m.subject, kind: m.kind, text: clip((m.message ?? m.link ?? '').replace(/\s+/g, ' ')) })),
        inboxTotal: mails.length,
        // poc local confirm selects no lab (it confirms every pending address): it takes none of the options.
        inboxHint: `An email subscription gets its confirmation mail here: \`${ctx.suggest?.('setup --email you@example.com') ?? 'poc setup --email you@example.com'}\`, then \`poc local confirm\`.`,
      };
    },
    // The page gets a render function as source text: this one is the lab's and the inbox's,
    // each self-contained, called one after the other.
    render: Object.assign((data: WithInbox, h: H) => [view.render(data.lab, h), renderInbox(data.inbox, data.inboxTotal, data.inboxHint, h)], {
      toString: () => `(data, h) => [(${labRender})(data.lab, h), (${renderInbox.toString()})(data.inbox, data.inboxTotal, data.inboxHint, h)]`,
    }),
    css: `${view.css ?? ''}
.inbox h2 { font-size: 1.2rem; margin: 1.2rem 0 .5rem; }
.inbox table { background: #fff; width: 100%; }
.inbox td { font-size: .85rem; vertical-align: top; }
.inbox td.time { white-space: nowrap; }
/* A confirmation link or an order's JSON is one long word: it wraps instead of widening the page. */
.inbox td.message { overflow-wrap: anywhere; }
`,
  };
  return composed;
}

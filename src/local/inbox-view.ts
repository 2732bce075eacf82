// The dashboard under --local: the lab's own view, with the local inbox below it, so the
// page shows an order travelling through the pipeline and then its mail arriving.
import type { AnyView, DashboardView, H } from '../labs/view.js';

interface InboxMail {
  time: string;
  to: string;
  subject: string;
  kind: string;
  text: string;
}

const SHOWN = 20;

/** Runs in the page (self-contained: see src/dashboard/view.ts). */
function renderInbox(mails: InboxMail[], h: H) {
  return h(
    'section',
    { class: 'inbox' },
    h('h2', null, `Inbox (local): ${mails.length} mail${mails.length === 1 ? '' : 's'}`),
    mails.length
      ? h(
          'table',
          null,
          h('tr', null, h('th', null, 'time'), h('th', null, 'to'), h('th', null, 'subject'), h('th', null, 'message')),
          ...mails.map((m) => h('tr', { 'data-kind': m.kind }, h('td', null, m.time.slice(11, 19)), h('td', null, m.to), h('td', null, m.subject), h('td', null, m.text))),
        )
      : h('p', null, 'No mail yet: confirm the subscription (poc local confirm), then send an order.'),
  );
}

/** `topicArns`: the lab's topics; the inbox shows only their mails (a class shares one local AWS). */
export function withInbox(view: AnyView, inboxUrl: string, topicArns: string[]): AnyView {
  const labRender = view.render.toString();
  const composed: DashboardView<{ lab: object; inbox: InboxMail[] }> = {
    ...view,
    async snapshot(ctx) {
      const [lab, inbox] = await Promise.all([
        view.snapshot(ctx),
        fetch(inboxUrl)
          .then((r) => r.json() as Promise<{ items: { time: string; to: string; subject: string; kind: string; topicArn?: string; message?: string; link?: string }[] }>)
          .then(({ items }) => items.filter((m) => m.topicArn !== undefined && topicArns.includes(m.topicArn)).slice(-SHOWN).reverse().map((m) => ({ time: m.time, to: m.to, subject: m.subject, kind: m.kind, text: (m.message ?? m.link ?? '').replace(/\s+/g, ' ').slice(0, 200) }))),
      ]);
      return { lab, inbox };
    },
    // The page gets a render function as source text: this one is the lab's and the inbox's,
    // each self-contained, called one after the other.
    render: Object.assign((data: { lab: object; inbox: InboxMail[] }, h: H) => [view.render(data.lab, h), renderInbox(data.inbox, h)], {
      toString: () => `(data, h) => [(${labRender})(data.lab, h), (${renderInbox.toString()})(data.inbox, h)]`,
    }),
    css: `${view.css ?? ''}\n.inbox table { border-collapse: collapse; width: 100%; } .inbox td, .inbox th { text-align: left; padding: 2px 8px; border-bottom: 1px solid #ddd; font-size: 0.9em; }`,
  };
  return composed;
}

// The order lab's dashboard: the pipeline as a diagram, each resource's state from the
// same observe walk as `poc status`, the queue's and the DLQ's depth, the latest orders.
import { hasCode } from '../../aws/errors.js';
import { storedJson, storedObjectJson } from '../../aws/stored-json.js';
import type { AnyResource, Ctx } from '../../engine/resource.js';
import { loggedJson, readLogEvents } from '../../resources/log-group.js';
import { observeAll, type ResourceReport } from '../../engine/walks.js';
import type { ObservedQueue } from '../../resources/sqs-queue.js';
import type { DashboardView } from '../view.js';

export type StageState = 'present' | 'missing' | 'drifted' | 'error';

export interface StageResource {
  name: string;
  type: string;
  state: StageState;
  /** Why it is missing, drifted or unreadable (at most a few). */
  reasons: string[];
}

export interface OrderSnapshot {
  /** The pipeline left to right; `link` is what carries data into this step (a trigger). */
  stages: { label: string; main: StageResource; attached: StageResource[]; link?: StageResource }[];
  /** Everything else the lab builds (policies, roles). */
  others: StageResource[];
  queue?: { depth: number; inFlight: number };
  dlq?: { name: string; depth: number };
  /** The stream trigger's failures queue: how many notifications failed every retry. */
  failures?: { name: string; depth: number };
  orders: { table: string; exists: boolean; rows: OrderRow[]; read: number; bounded: boolean };
}

export interface OrderRow {
  orderID: string;
  /** When POC-Lambda-1 stored it (it writes the time with the order). */
  receivedAt?: string;
  summary: string;
  /** When POC-Lambda-2 logged that it published the order's notification; absent until then. */
  announcedAt?: string;
  /** No announcement was looked for (the order is older than the look-back, or has no time). */
  notLooked?: boolean;
  /** POC-Lambda-2's log could not be read (a user without logs:FilterLogEvents): why. */
  lookFailed?: string;
}

/** The pipeline's steps by the lab's resource keys: [label, main, attached, link]. */
const PIPELINE: [string, string, string[], string?][] = [
  ['API', 'api', []],
  ['Queue', 'queue', ['queue:dlq']],
  ['Function 1', 'function:1', ['logs:function-1'], 'trigger:sqs'],
  ['Table', 'table', []],
  ['Stream', 'stream', []],
  ['Function 2', 'function:2', ['logs:function-2', 'queue:failures'], 'trigger:stream'],
  ['Topic', 'topic', ['subscription']],
];

// Enough for a class's test orders; a table with more shows the newest of those read.
const ORDER_PAGES = 5;
const ORDER_PAGE_SIZE = 100;
const ORDERS_SHOWN = 12;
const SUMMARY_CHARS = 140;
// An order not announced this long after it was stored is not looked for again: its
// notification failed (the failures queue says so) or its log lines are gone.
const ANNOUNCE_LOOK_MS = 15 * 60_000;
// The functions' clock and the order's time may disagree by this much.
const CLOCK_SKEW_MS = 60_000;

/**
 * When POC-Lambda-2 announced each of the shown orders (its "order-announced" log line):
 * one FilterLogEvents for those not yet known, none once each is, so an idle page costs
 * CloudWatch nothing. `known` carries what earlier looks found.
 */
async function announcements(ctx: Ctx, group: string, rows: OrderRow[], known: Map<string, string>): Promise<void> {
  const now = Date.now();
  const wanted = rows.filter((r) => !known.has(r.orderID) && r.receivedAt && now - Date.parse(r.receivedAt) < ANNOUNCE_LOOK_MS);
  if (wanted.length) {
    const since = Math.min(...wanted.map((r) => Date.parse(r.receivedAt!))) - CLOCK_SKEW_MS;
    try {
      for (const event of (await readLogEvents(ctx, group, since, '"order-announced"')) ?? []) {
        const line = loggedJson(event.message);
        if (line?.event === 'order-announced' && typeof line.orderID === 'string') known.set(line.orderID, new Date(event.timestamp).toISOString());
      }
    } catch (error) {
      // Only this column needs the log: the rest of the page stands without it.
      if (ctx.signal?.aborted) throw error;
      const why = `could not read ${group}: ${(error as { name?: string }).name ?? 'error'}`;
      for (const r of wanted) r.lookFailed = why;
    }
  }
  const shown = new Set(rows.map((r) => r.orderID));
  for (const id of known.keys()) if (!shown.has(id)) known.delete(id);
  for (const r of rows) {
    const at = known.get(r.orderID);
    if (at) r.announcedAt = at;
    else if (!r.receivedAt || now - Date.parse(r.receivedAt) >= ANNOUNCE_LOOK_MS) r.notLooked = true;
  }
}

function stageResource(report: ResourceReport | undefined, key: string): StageResource {
  if (!report) return { name: key, type: 'unknown', state: 'missing', reasons: ['not part of this lab'] };
  const state: StageState = report.error ? 'error' : (report.state ?? 'missing');
  return { name: report.name, type: report.type, state, reasons: state === 'present' ? [] : report.reasons.slice(0, 3) };
}

async function latestOrders(ctx: Ctx, table: string): Promise<OrderSnapshot['orders']> {
  const dynamodb = await ctx.aws.client('dynamodb');
  const items: Record<string, import('@aws-sdk/client-dynamodb').AttributeValue>[] = [];
  let start: Record<string, import('@aws-sdk/client-dynamodb').AttributeValue> | undefined;
  let pages = 0;
  try {
    do {
      const page = await dynamodb.scan({ TableName: table, Limit: ORDER_PAGE_SIZE, ExclusiveStartKey: start }, { abortSignal: ctx.signal });
      items.push(...(page.Items ?? []));
      start = page.LastEvaluatedKey;
      pages++;
    } while (start && pages < ORDER_PAGES);
  } catch (error) {
    if (hasCode(error, 'ResourceNotFoundException')) return { table, exists: false, rows: [], read: 0, bounded: false };
    throw error;
  }
  const rows: OrderRow[] = items.map((item) => {
    // The order's text with its numbers as stored (12345678901234567, 1E+125), not as
    // JavaScript would round them or fail on them.
    const { orderID, receivedAt, order, ...rest } = item;
    const text = order !== undefined ? storedJson(order) : storedObjectJson(rest);
    return {
      orderID: orderID?.S ?? orderID?.N ?? '',
      receivedAt: receivedAt?.S,
      summary: text.length > SUMMARY_CHARS ? `${text.slice(0, SUMMARY_CHARS - 1)}…` : text,
    };
  });
  // Newest first when the orders carry the time POC-Lambda-1 stored (ISO 8601 sorts as text).
  if (rows.some((r) => r.receivedAt)) rows.sort((a, b) => (b.receivedAt ?? '').localeCompare(a.receivedAt ?? ''));
  return { table, exists: true, rows: rows.slice(0, ORDERS_SHOWN), read: items.length, bounded: start !== undefined };
}

/** `resources` are the lab's (orderLabResources(names)); the walk reads them all at once. */
export function orderView(resources: AnyResource[]): DashboardView<OrderSnapshot> {
  // Announcements found by earlier looks, by order ID (only the shown orders' are kept).
  const announced = new Map<string, string>();
  return {
    id: 'orders',
    title: 'Order pipeline',
    // One look is one read of each of the lab's ~20 resources (IAM's among them, whose
    // read quotas are shared by the whole account): not as often as the inventory.
    refreshMs: 3000,
    async snapshot(ctx: Ctx) {
      const reports = await observeAll(resources, ctx);
      const byKey = new Map(reports.map((r) => [r.key, r]));
      const shown = new Set<string>();
      const take = (key: string) => {
        shown.add(key);
        return stageResource(byKey.get(key), key);
      };
      const stages = PIPELINE.map(([label, main, attached, link]) => ({
        label,
        main: take(main),
        attached: attached.filter((k) => byKey.has(k)).map(take),
        ...(link ? { link: take(link) } : {}),
      }));
      const queue = ctx.state.get('queue') as ObservedQueue | undefined;
      const dlq = ctx.state.get('queue:dlq') as ObservedQueue | undefined;
      const failures = ctx.state.get('queue:failures') as ObservedQueue | undefined;
      const tableName = byKey.get('table')?.name ?? ctx.names.table;
      const orders = await latestOrders(ctx, tableName);
      const logGroup2 = byKey.get('logs:function-2')?.name;
      if (logGroup2 && orders.rows.length) await announcements(ctx, logGroup2, orders.rows, announced);
      return {
        stages,
        others: reports.filter((r) => !shown.has(r.key)).map((r) => stageResource(r, r.key)),
        ...(queue ? { queue: { depth: queue.depth, inFlight: queue.inFlight } } : {}),
        ...(dlq ? { dlq: { name: byKey.get('queue:dlq')!.name, depth: dlq.depth } } : {}),
        ...(failures ? { failures: { name: byKey.get('queue:failures')!.name, depth: failures.depth } } : {}),
        orders,
      };
    },
    // Runs in the browser: self-contained, builds only through h (see view.ts).
    render: (data, h) => {
      const mark = { present: '✔', missing: '✖', drifted: '!', error: '?' };
      const badge = (r: StageResource) => h('span', { class: `state state-${r.state}`, title: r.state }, `${mark[r.state] ?? '?'} ${r.state}`);
      const why = (r: StageResource) => (r.reasons.length ? h('ul', { class: 'reasons' }, r.reasons.map((t) => h('li', null, t))) : null);
      const plural = (n: number, one: string, many: string) => `${n} ${n === 1 ? one : many}`;
      // Everything that is not as the lab needs it, with why, at the top: a trigger's or a
      // policy's reasons have no room in the diagram, and a message in a failure queue is
      // an order or a notification lost to the pipeline.
      const stageNamed = (label: string) => data.stages.find((s) => s.label === label)?.main.name ?? label;
      const alarms = [
        data.dlq && data.dlq.depth > 0 ? `${plural(data.dlq.depth, 'order', 'orders')} in the DLQ ${data.dlq.name}: ${stageNamed('Function 1')} failed on ${data.dlq.depth === 1 ? 'it' : 'them'} every time (its log says why).` : null,
        data.failures && data.failures.depth > 0 ? `${plural(data.failures.depth, 'notification', 'notifications')} failed every retry (${data.failures.name}): ${stageNamed('Function 2')}'s log says why.` : null,
      ].filter((a): a is string => a !== null);
      const problems = [...data.stages.flatMap((s) => [s.link, s.main, ...s.attached]), ...data.others].filter((r): r is StageResource => r !== undefined && r.state !== 'present');
      const attention =
        alarms.length || problems.length
          ? h(
              'section',
              { class: 'attention', role: 'status' },
              h('h2', null, 'Needs attention'),
              h(
                'ul',
                null,
                alarms.map((a) => h('li', { class: 'alarm' }, a)),
                problems.map((r) => h('li', { 'data-problem': r.name }, h('b', null, r.name), ` ${r.state}`, r.reasons.length ? `: ${r.reasons.join('; ')}` : '')),
              ),
            )
          : null;
      const depth = (label: string) => {
        if (label === 'Queue' && data.queue) return h('div', { class: 'depth', 'data-depth': data.queue.depth }, h('b', null, data.queue.depth), ' waiting', h('small', null, ` · ${data.queue.inFlight} in flight`));
        return null;
      };
      const attachment = (r: StageResource) =>
        h(
          'div',
          { class: `attached state-${r.state}`, 'data-resource': r.name },
          h('span', { class: 'name' }, r.name),
          ' ',
          badge(r),
          r.type === 'sqs-queue' && data.failures && r.name === data.failures.name
            ? h('div', { class: `depth${data.failures.depth > 0 ? ' alarm' : ''}`, 'data-failures-depth': data.failures.depth }, h('b', null, data.failures.depth), data.failures.depth === 1 ? ' failed notification' : ' failed notifications')
            : r.type === 'sqs-queue' && data.dlq
              ? h('div', { class: `depth${data.dlq.depth > 0 ? ' alarm' : ''}`, 'data-dlq-depth': data.dlq.depth }, h('b', null, data.dlq.depth), ' in DLQ')
              : null,
          why(r),
        );
      const diagram = h(
        'div',
        { class: 'pipeline', role: 'list' },
        // Each arrow stays with the step it leads to, so a wrapped row starts with one.
        data.stages.map((s, i) =>
          h(
            'div',
            { class: 'step' },
            i > 0
              ? h(
                  'div',
                  { class: `arrow${s.link ? ` state-${s.link.state}` : ''}`, title: s.link ? `${s.link.name}: ${s.link.state}` : undefined },
                  h('span', { class: 'shaft', 'aria-hidden': 'true' }, '→'),
                  s.link ? h('small', { 'data-resource': s.link.name }, s.link.type === 'event-source-mapping' ? 'trigger ' : '', badge(s.link)) : null,
                )
              : null,
            h(
              'div',
              { class: `stage state-${s.main.state}`, role: 'listitem', 'data-resource': s.main.name, 'data-state': s.main.state },
              h('div', { class: 'label' }, s.label),
              h('div', { class: 'name' }, s.main.name),
              badge(s.main),
              depth(s.label),
              why(s.main),
              s.attached.map(attachment),
            ),
          ),
        ),
      );
      const others = h(
        'section',
        { class: 'others' },
        h('h2', null, 'Permissions and the rest'),
        h(
          'div',
          { class: 'chips' },
          data.others.map((r) => h('span', { class: `chip state-${r.state}`, 'data-resource': r.name, title: r.reasons.join('; ') || r.type }, r.name, ' ', badge(r))),
        ),
      );
      const o = data.orders;
      const orders = h(
        'section',
        { class: 'orders' },
        h('h2', null, `Latest orders in ${o.table}`),
        !o.exists
          ? h('p', { class: 'empty' }, `The table ${o.table} does not exist yet.`)
          : o.rows.length === 0
            ? h('p', { class: 'empty' }, 'No orders yet: poc send-order sends one.')
            : [
                h(
                  'table',
                  null,
                  h('thead', null, h('tr', null, h('th', null, 'Stored'), h('th', null, 'Order ID'), h('th', null, 'Order'), h('th', null, 'Notification'))),
                  h(
                    'tbody',
                    null,
                    o.rows.map((r) =>
                      h(
                        'tr',
                        { 'data-order': r.orderID, 'data-announced': r.announcedAt ? 'yes' : r.notLooked ? undefined : r.lookFailed ? 'unknown' : 'not yet' },
                        h('td', null, r.receivedAt ? new Date(r.receivedAt).toLocaleTimeString() : '—'),
                        h('td', null, h('code', null, r.orderID)),
                        h('td', null, h('code', null, r.summary)),
                        h(
                          'td',
                          { class: r.announcedAt ? 'announced' : 'pending' },
                          r.announcedAt ? `✔ published by ${stageNamed('Function 2')} ${new Date(r.announcedAt).toLocaleTimeString()}` : r.notLooked ? '—' : r.lookFailed ? `? ${r.lookFailed}` : `waiting for ${stageNamed('Function 2')}…`,
                        ),
                      ),
                    ),
                  ),
                ),
                h('p', { class: 'note' }, `${o.read} order${o.read === 1 ? '' : 's'} read${o.bounded ? ' (the first ones only: the table has more)' : ''}.`),
              ],
      );
      return [attention, diagram, others, orders];
    },
    css: `
.pipeline { display: flex; flex-wrap: wrap; align-items: stretch; gap: .6rem 0; margin-bottom: 1.4rem; }
.step { display: flex; align-items: stretch; }
.stage { background: #fff; border: 2px solid #99a; border-top-width: .45rem; border-radius: .4rem; padding: .5rem .6rem; min-width: 9.5rem; max-width: 15rem; }
.stage .label { font-size: .8rem; text-transform: uppercase; letter-spacing: .05em; color: #445; }
.stage .name { font-weight: 700; overflow-wrap: anywhere; }
.stage.state-present { border-color: #1b7f3b; }
.stage.state-missing, .stage.state-error { border-color: #b00020; background: #fff4f5; }
.stage.state-drifted { border-color: #b26a00; background: #fff8ec; }
.arrow { display: flex; flex-direction: column; justify-content: center; align-items: center; padding: 0 .3rem; color: #334; }
.arrow .shaft { font-size: 2rem; line-height: 1; }
.arrow.state-missing .shaft, .arrow.state-error .shaft { color: #b00020; }
.state { display: inline-block; font-size: .8rem; font-weight: 700; padding: 0 .4rem; border-radius: .3rem; }
.state-present > .state, .state.state-present { background: #e3f4e8; color: #0d5224; }
.state.state-missing, .state.state-error { background: #fde7ea; color: #8a0018; }
.state.state-drifted { background: #fff0d6; color: #6b4000; }
.depth { margin-top: .3rem; font-size: 1rem; }
.depth b { font-size: 1.5rem; }
.depth.alarm { color: #8a0018; background: #fde7ea; padding: 0 .3rem; border-radius: .3rem; font-weight: 700; }
.attention { margin: 0 0 1rem; padding: .5rem .9rem; border-left: .4rem solid #b26a00; background: #fff8ec; }
.attention h2 { font-size: 1.1rem; margin: 0 0 .3rem; }
.attention ul { margin: 0; padding-left: 1.1rem; }
.attention .alarm { color: #8a0018; font-weight: 700; }
.attached { margin-top: .4rem; padding-top: .3rem; border-top: 1px dashed #bbc; font-size: .85rem; }
.attached .name { overflow-wrap: anywhere; }
.reasons { margin: .2rem 0 0; padding-left: 1rem; font-size: .8rem; color: #5c0010; }
.others h2, .orders h2 { font-size: 1.2rem; margin: 1rem 0 .5rem; }
.chips { display: flex; flex-wrap: wrap; gap: .4rem; }
.chip { background: #fff; border: 1px solid #ccd; border-radius: 1rem; padding: .15rem .6rem; font-size: .85rem; }
.orders table { background: #fff; width: 100%; }
.orders code { font-size: .85rem; overflow-wrap: anywhere; }
.orders td.announced { color: #0d5224; font-weight: 600; }
.orders td.pending { color: #6b4000; }
.note { font-size: .8rem; color: #445; }
`,
  };
}

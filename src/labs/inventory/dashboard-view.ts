// The inventory lab's dashboard: stock by store, from a Scan of the Inventory table
// (every page: a class uploads a few dozen rows, not millions), out-of-stock items marked.
import { NumberValueImpl, unmarshall } from '@aws-sdk/util-dynamodb';
import { hasCode } from '../../aws/errors.js';
import type { Ctx } from '../../engine/resource.js';
import type { DashboardView } from '../view.js';

export interface StockItem {
  item: string;
  /** A number, or the stored value as text when it is not one (a bad row written by hand). */
  count: number | string;
}

export interface InventorySnapshot {
  table: string;
  /** False while the table does not exist (the lab is not built yet). */
  exists: boolean;
  stores: { store: string; items: StockItem[]; outOfStock: number }[];
  items: number;
  outOfStock: number;
}

/** The table's key and count attributes, as the lab names them. */
export interface InventoryViewSpec {
  table: string;
  storeAttribute?: string;
  itemAttribute?: string;
  countAttribute?: string;
}

const byName = (a: string, b: string) => a.localeCompare(b, 'en', { numeric: true, sensitivity: 'base' });

export function inventoryView(spec: InventoryViewSpec): DashboardView<InventorySnapshot> {
  const storeKey = spec.storeAttribute ?? 'Store';
  const itemKey = spec.itemAttribute ?? 'Item';
  const countKey = spec.countAttribute ?? 'Count';
  return {
    id: 'inventory',
    title: 'Inventory by store',
    refreshMs: 2000,
    async snapshot(ctx: Ctx) {
      const dynamodb = await ctx.aws.client('dynamodb');
      const rows: Record<string, unknown>[] = [];
      let start: Record<string, import('@aws-sdk/client-dynamodb').AttributeValue> | undefined;
      try {
        do {
          // COUNT is a DynamoDB reserved word: every attribute goes through a placeholder.
          const page = await dynamodb.scan(
            {
              TableName: spec.table,
              ProjectionExpression: '#s, #i, #c',
              ExpressionAttributeNames: { '#s': storeKey, '#i': itemKey, '#c': countKey },
              ExclusiveStartKey: start,
            },
            { abortSignal: ctx.signal },
          );
          // Numbers stay as DynamoDB's text: a count beyond 2^53 in a table written by hand is
          // shown digit for digit (unwrapped, unmarshall would throw and blank the page).
          for (const item of page.Items ?? []) rows.push(unmarshall(item, { wrapNumbers: true }));
          start = page.LastEvaluatedKey;
        } while (start);
      } catch (error) {
        if (hasCode(error, 'ResourceNotFoundException')) return { table: spec.table, exists: false, stores: [], items: 0, outOfStock: 0 };
        throw error;
      }
      const stores = new Map<string, StockItem[]>();
      for (const row of rows) {
        const store = String(row[storeKey] ?? '');
        const stored = row[countKey];
        const raw = stored instanceof NumberValueImpl ? stored.toString() : stored;
        const n = Number(raw);
        // A number JavaScript holds exactly is shown as one; any other is shown as stored.
        const exact = raw !== undefined && raw !== '' && Number.isFinite(n) && (typeof raw !== 'string' || Math.abs(n) <= Number.MAX_SAFE_INTEGER);
        const count = exact ? n : String(raw ?? '');
        stores.set(store, [...(stores.get(store) ?? []), { item: String(row[itemKey] ?? ''), count }]);
      }
      const list = [...stores.entries()]
        .sort(([a], [b]) => byName(a, b))
        .map(([store, items]) => {
          items.sort((a, b) => byName(a.item, b.item));
          return { store, items, outOfStock: items.filter((i) => i.count === 0).length };
        });
      return { table: spec.table, exists: true, stores: list, items: rows.length, outOfStock: list.reduce((n, s) => n + s.outOfStock, 0) };
    },
    // Runs in the browser: self-contained, builds only through h (see view.ts).
    render: (data, h) => {
      if (!data.exists) return h('p', { class: 'empty' }, `The table ${data.table} does not exist yet. Build the lab first (poc setup).`);
      if (data.stores.length === 0) return h('p', { class: 'empty' }, `No stock yet: ${data.table} is empty. Upload an inventory file and it appears here.`);
      return [
        h(
          'p',
          { class: 'summary' },
          `${data.stores.length} store${data.stores.length === 1 ? '' : 's'}, ${data.items} item${data.items === 1 ? '' : 's'}, `,
          h('span', { class: data.outOfStock ? 'zero-total' : '' }, `${data.outOfStock} out of stock`),
        ),
        h(
          'div',
          { class: 'stores' },
          data.stores.map((s) =>
            h(
              'section',
              { class: 'store', 'data-store': s.store },
              h('h2', null, s.store, s.outOfStock ? h('span', { class: 'badge' }, `${s.outOfStock} out`) : null),
              h(
                'table',
                null,
                h('thead', null, h('tr', null, h('th', null, 'Item'), h('th', { class: 'num' }, 'Count'))),
                h(
                  'tbody',
                  null,
                  s.items.map((i) =>
                    h(
                      'tr',
                      { class: i.count === 0 ? 'out' : '', 'data-item': i.item, title: i.count === 0 ? 'out of stock' : undefined },
                      h('td', null, i.item),
                      h('td', { class: 'num' }, i.count === 0 ? h('strong', null, '0 · out of stock') : i.count),
                    ),
                  ),
                ),
              ),
            ),
          ),
        ),
      ];
    },
    css: `
.summary { font-size: 1.1rem; margin: 0 0 1rem; }
.zero-total { color: #b00020; font-weight: 700; }
.stores { display: grid; grid-template-columns: repeat(auto-fill, minmax(18rem, 1fr)); gap: 1rem; }
.store { background: #fff; border: 1px solid #ccd; border-radius: .4rem; padding: .6rem .8rem; }
.store h2 { margin: 0 0 .4rem; font-size: 1.25rem; display: flex; justify-content: space-between; align-items: center; gap: .5rem; }
.store table { width: 100%; table-layout: fixed; }
/* An item name comes from an uploaded file: a long one wraps instead of pushing the count out of the card. */
.store td:first-child { overflow-wrap: anywhere; }
.badge { font-size: .8rem; background: #b00020; color: #fff; border-radius: 1rem; padding: .1rem .6rem; }
tr.out td { background: #fde7ea; color: #8a0018; font-weight: 700; }
tr.out td:first-child { border-left: .35rem solid #b00020; }
`,
  };
}

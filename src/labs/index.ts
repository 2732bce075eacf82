// The labs poc knows. Registering a lab is one entry in LABS (and its import); the
// commands find the lab of a run with selectLab and never name one.
import { UsageError } from '../errors.js';
import type { Lab } from './lab.js';
import { inventoryLab } from './inventory/index.js';
import { ordersLab } from './orders/index.js';

export const LABS: readonly Lab[] = [ordersLab, inventoryLab];

export const DEFAULT_LAB = 'orders';

/** The lab of this run: --lab, else POC_LAB, else the order lab. Checked before any AWS call. */
export function selectLab(id: string | undefined = process.env.POC_LAB || undefined): Lab {
  const wanted = id ?? DEFAULT_LAB;
  const lab = LABS.find((l) => l.id === wanted);
  if (!lab) {
    throw new UsageError(
      `There is no lab "${wanted}".`,
      `Choose one with --lab (or POC_LAB): ${LABS.map((l) => `${l.id} (${l.title})`).join(', ')}.`,
    );
  }
  return lab;
}

// The shape commands hand back to the CLI: data for --json, and an exit code.
import type { ResourceReport } from '../engine/walks.js';
import { EndpointUnreachable, type PocError } from '../errors.js';
import type { Lab } from '../labs/lab.js';

export interface ResourceJson {
  task: number;
  type: string;
  name: string;
  id?: string;
  outcome?: string;
  state?: string;
  reasons?: string[];
  details?: Record<string, unknown>;
  /** The kind's one line about it, for status. */
  summary?: string;
  error?: { message: string; hint?: string };
}

export interface LabResult {
  account: string;
  region: string;
  prefix: string;
  /** The order lab's output (see Lab.outputs); other labs' outputs are keys beside it. */
  apiUrl?: string;
  resources: ResourceJson[];
  /** setup with --only/--from/--to: the tasks it worked on, and those left out that are not complete. */
  selected?: number[];
  incomplete?: number[];
  /** Among those, the lab's subscription is missing: building them needs an address. */
  needsEmail?: boolean;
  /** --step: the task before which the person chose to stop. */
  stoppedAt?: number;
  /** Set when the command failed part-way: the CLI prints it after the data. */
  error?: PocError;
  exitCode: number;
}

export function toJson(r: ResourceReport): ResourceJson {
  return {
    task: r.task,
    type: r.type,
    name: r.name,
    ...(r.id ? { id: r.id } : {}),
    ...(r.outcome ? { outcome: r.outcome } : {}),
    ...(r.state ? { state: r.state } : {}),
    ...(r.reasons.length ? { reasons: r.reasons } : {}),
    ...(r.details ? { details: Object.fromEntries(Object.entries(r.details).filter(([, v]) => v !== undefined)) } : {}),
    ...(r.summary ? { summary: r.summary } : {}),
    ...(r.error ? { error: { message: r.error.message, ...(r.error.hint ? { hint: r.error.hint } : {}) } } : {}),
  };
}

/** The lab's outputs (e.g. the API's invoke URL), read from the reports' details. */
export function outputsOf(lab: Lab, reports: ResourceReport[]): Record<string, string | undefined> {
  return Object.fromEntries(
    lab.outputs.map((o) => {
      const value = reports.find((r) => r.type === o.type)?.details?.[o.detail];
      return [o.key, typeof value === 'string' ? value : undefined];
    }),
  );
}

export function firstError(reports: ResourceReport[]): PocError | undefined {
  // When the endpoint is lost every resource fails alike; the headline names the wait that noticed it.
  const waited = reports.find((r) => r.error instanceof EndpointUnreachable && r.error.waitedFor);
  return (waited ?? reports.find((r) => r.error))?.error;
}

// poc status: every resource of tasks 1-8, present / missing / drifted. Read-only.
import { observeAll } from '../engine/walks.js';
import { LAB_CLIENTS, orderLabResources } from '../lab/order-lab.js';
import { EXIT } from '../errors.js';
import { openSession, type Deps, type GlobalOptions } from './context.js';
import { firstError, toJson, type LabResult } from './results.js';

export interface StatusResult extends LabResult {
  complete: boolean;
}

export async function status(options: GlobalOptions, deps: Deps): Promise<StatusResult> {
  const session = await openSession(options, deps, {}, { clients: LAB_CLIENTS });
  const reports = await observeAll(orderLabResources(session.names), session.ctx);
  const api = reports.find((r) => r.type === 'rest-api');
  const complete = reports.every((r) => r.state === 'present');
  const error = firstError(reports);
  return {
    account: session.account,
    region: session.region,
    prefix: session.names.prefix,
    apiUrl: typeof api?.details?.url === 'string' ? api.details.url : undefined,
    complete,
    resources: reports.map(toJson),
    error,
    exitCode: error ? error.exitCode : complete ? EXIT.ok : EXIT.incomplete,
  };
}

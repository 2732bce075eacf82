// poc status: every resource of tasks 1-8, present / missing / drifted. Read-only.
import { observeAll } from '../engine/walks.js';
import { EXIT } from '../errors.js';
import { openSession, type Deps, type GlobalOptions } from './context.js';
import { firstError, outputsOf, toJson, type LabResult } from './results.js';

export interface StatusResult extends LabResult {
  complete: boolean;
}

export async function status(options: GlobalOptions, deps: Deps): Promise<StatusResult> {
  const session = await openSession(options, deps);
  const reports = await observeAll((await session.lab.load()).resources(session.names, session), session.ctx);
  const complete = reports.every((r) => r.state === 'present');
  const error = firstError(reports);
  return {
    account: session.account,
    region: session.region,
    prefix: session.names.prefix,
    ...outputsOf(session.lab, reports),
    complete,
    resources: reports.map(toJson),
    error,
    exitCode: error ? error.exitCode : complete ? EXIT.ok : EXIT.incomplete,
  };
}

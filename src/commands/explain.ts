// poc explain <task>: what a task builds and why, the console steps, the JSON involved and
// the equivalent aws CLI commands. With credentials the ARNs are the account's; without,
// placeholders stand in, and no AWS call (nor the SDK) is made at all.
import { Arns } from '../aws/arns.js';
import { validateRegion } from '../aws/clients.js';
import { EXIT } from '../errors.js';
import { explainOnPaper, type TaskExplanation } from '../labs/paper.js';
import { parseTask } from './task-args.js';
import { validateGlobals, type Deps, type GlobalOptions } from './context.js';
import { openOptionalSession } from './tasks.js';

export const ACCOUNT_PLACEHOLDER = '<ACCOUNT_ID>';
export const REGION_PLACEHOLDER = '<REGION>';

export interface ExplainResult extends TaskExplanation {
  task: number;
  title: string;
  /** The account and region the ARNs were filled in with; placeholders when none is known. */
  account: string;
  region: string;
  prefix: string;
  /** Why placeholders stand in although credentials seemed present (said on stderr). */
  notice?: string;
  exitCode: number;
}

/** What --json prints. */
export function explainJson(r: ExplainResult) {
  return { task: r.task, title: r.title, why: r.why, steps: r.steps, json: r.json, cli: r.cli };
}

/** A region known without AWS (--region, AWS_REGION), else undefined. */
function knownRegion(options: GlobalOptions): string | undefined {
  for (const candidate of [options.region, process.env.AWS_REGION, process.env.AWS_DEFAULT_REGION]) {
    if (!candidate) continue;
    try {
      return validateRegion(candidate);
    } catch {
      // not a region name: ignore it here, the AWS commands report it
    }
  }
  return undefined;
}

export async function explain(rawTask: string | undefined, options: GlobalOptions, deps: Deps = {}): Promise<ExplainResult> {
  const { lab } = validateGlobals(options);
  const task = parseTask(rawTask, lab);
  // Teaching works offline: any failure to learn the account just means placeholders.
  // explain only needs the account for its ARNs: no lab client, no code to compare.
  const { session, reason } = await openOptionalSession(options, deps, () => true, { clients: [], artifacts: false });
  const account = session?.account ?? ACCOUNT_PLACEHOLDER;
  const region = session?.region ?? knownRegion(options) ?? REGION_PLACEHOLDER;
  const names = session?.names ?? lab.names(options.prefix);
  const explanation = await explainOnPaper(lab, task, names, new Arns(region, account), options);
  return {
    task,
    title: lab.tasks.find((t) => t.number === task)!.title,
    ...explanation,
    account,
    region,
    prefix: names.prefix,
    notice: reason && `ARNs show placeholders: ${reason}`,
    exitCode: EXIT.ok,
  };
}

// poc setup: tasks 1-8, created or repaired in dependency order; safe to run again.
import { applyAll, observeAll } from '../engine/walks.js';
import { AwsFailure, UsageError } from '../errors.js';
import { orderLabResources, TASKS } from '../lab/order-lab.js';
import type { Reporter } from '../ui/reporter.js';
import { openSession, validateEmail, validateGlobals, validateRuntime, type Deps, type GlobalOptions } from './context.js';
import { firstError, toJson, type LabResult } from './results.js';

export interface SetupOptions extends GlobalOptions {
  email?: string;
  runtime?: string;
  dryRun?: boolean;
}

export interface SetupDeps extends Deps {
  reporter: Reporter;
  /** Asks for the email address when a person is at the terminal; absent otherwise. */
  askEmail?: () => Promise<string>;
}

export const taskTitles = Object.fromEntries(TASKS.map((t) => [t.number, t.title]));

export async function setup(options: SetupOptions, deps: SetupDeps): Promise<LabResult> {
  // Everything that can be checked without AWS is checked first: bad input changes nothing.
  const names = validateGlobals(options);
  let email = validateEmail(options.email);
  const runtime = validateRuntime(options.runtime);
  const { reporter } = deps;

  const session = await openSession(options, { ...deps, note: undefined }, { email, runtime });
  const { ctx } = session;
  reporter.info(`Account ${session.account} in ${session.region}${names.prefix ? `, prefix ${names.prefix}` : ''}`);
  const resources = orderLabResources(names);

  if (!email && !options.dryRun) {
    // The first run needs an address; a re-run may keep the existing subscription.
    const subscription = resources.find((r) => r.type === 'sns-subscription')!;
    const existing = await subscription.observe(ctx);
    if (!existing) {
      if (!deps.askEmail) {
        throw new UsageError('setup needs an email address for the order notifications.', 'Pass --email you@example.com (it is only needed the first time).');
      }
      email = validateEmail(await deps.askEmail());
      ctx.settings.email = email;
    }
  }

  reporter.begin(resources, taskTitles, options.dryRun ? 'Checking' : 'Ensuring');
  const reports = options.dryRun ? await observeAll(resources, ctx, reporter) : await applyAll(resources, ctx, reporter);
  reporter.end();

  const api = reports.find((r) => r.type === 'rest-api');
  const error = firstError(reports);
  return {
    account: session.account,
    region: session.region,
    prefix: names.prefix,
    apiUrl: typeof api?.details?.url === 'string' ? api.details.url : undefined,
    resources: reports.map(toJson),
    error:
      error &&
      new AwsFailure(
        `Setup stopped: ${error.message}`,
        `${error.hint ?? ''} What was built is kept; \`poc setup\` again continues where it stopped, \`poc cleanup\` removes it.`.trim(),
      ),
    exitCode: error ? error.exitCode : 0,
  };
}

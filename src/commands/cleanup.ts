// poc cleanup: task 10. Deletes everything tasks 1-8 make, and what AWS made on the
// side, found by the lab's names within the prefix; then checks that nothing is left.
import { pollUntil, DELETION_POLL, RetryExhausted } from '../aws/retry.js';
import { destroyAll, observeAll, readAhead, type ResourceReport } from '../engine/walks.js';
import { AwsFailure, EXIT, UsageError } from '../errors.js';
import { taskTitles } from '../labs/lab.js';
import type { AnyResource } from '../engine/resource.js';
import type { Reporter } from '../ui/reporter.js';
import { openSession, validateGlobals, type Deps, type GlobalOptions } from './context.js';
import { firstError, toJson, type ResourceJson } from './results.js';
import { labInOtherRegion } from './other-region.js';
import { pocCommand, withoutRunAgain } from '../suggest.js';

export interface CleanupOptions extends GlobalOptions {
  dryRun?: boolean;
}

export interface CleanupDeps extends Deps {
  reporter: Reporter;
  /** Asks the person at the terminal; absent when nobody can answer. */
  confirm?: (question: string) => Promise<boolean>;
}

export interface CleanupResult {
  account: string;
  region: string;
  prefix: string;
  dryRun: boolean;
  /** What existed before; with --dry-run, what would be deleted. */
  found: ResourceJson[];
  deleted: ResourceJson[];
  /** What is still there afterwards, with the reason. */
  remaining: ResourceJson[];
  /** What could not be read afterwards (the endpoint lost, access denied): it may or may not be there. */
  unchecked?: ResourceJson[];
  notes: string[];
  cancelled?: boolean;
  /** Ctrl-C came after the last deletion, before the check that nothing is left had finished. */
  unverified?: boolean;
  error?: AwsFailure;
  exitCode: number;
}

export async function cleanup(options: CleanupOptions, deps: CleanupDeps): Promise<CleanupResult> {
  const { lab, names } = validateGlobals(options);
  // Nobody to ask and no --yes: the run only reads, and refuses (before any change) only
  // if there is something to delete; a lab that is already gone needs no confirmation.
  const unconfirmable = !options.dryRun && !options.yes && !deps.confirm;
  const { reporter } = deps;
  const session = await openSession(options, deps, {}, { artifacts: false });
  const { ctx } = session;
  reporter.info(`Account ${session.account} in ${session.region}${names.prefix ? `, prefix ${names.prefix}` : ''}`);
  const all = (await lab.load()).resources(names, session);
  // Everything is read at once; the region check and the list of what exists share the readings.
  const readings = ctx.concurrency === undefined ? readAhead(all, ctx) : undefined;
  const elsewhere = await labInOtherRegion(all, ctx, readings);
  // IAM serving a lab in another region is that lab's: it is neither listed nor deleted here.
  const resources = all.filter((r) => !(elsewhere && (r.type === 'iam-policy' || r.type === 'iam-role')));
  const keptNote = elsewhere
    ? `The IAM policies and roles were kept: IAM names are shared by every region, and these serve the lab in ${elsewhere.region}. \`${pocCommand({ ...options, region: elsewhere.region }, 'cleanup')}\` removes them with that lab.`
    : undefined;
  const base = { account: session.account, region: session.region, prefix: names.prefix, dryRun: options.dryRun === true };

  const before = await observeAll(resources, ctx, {}, readings);
  const readError = firstError(before);
  if (readError) throw readError;
  const found = before.filter((r) => r.state !== 'missing');
  const pending = pendingSubscriptions(before);
  if (!found.length || options.dryRun) {
    return { ...base, found: found.map(toJson), deleted: [], remaining: [], notes: keptNote ? [keptNote] : [], exitCode: EXIT.ok };
  }
  if (unconfirmable) {
    throw new UsageError(
      `cleanup would delete ${found.length} resource(s)${names.prefix ? ` of prefix ${names.prefix}` : ''} and needs a confirmation, but nobody can answer here (no terminal). Nothing was changed.`,
      `Add --yes to confirm, or run \`${pocCommand(options, 'cleanup --dry-run')}\` to list what would be deleted.`,
    );
  }
  if (!options.yes) {
    const list = found.map((r) => `  ${r.type.padEnd(20)} ${r.name}`).join('\n');
    reporter.info(`This deletes ${found.length} resource(s):\n${list}`);
    if (!(await deps.confirm!(`Delete these ${found.length} resources${names.prefix ? ` of prefix ${names.prefix}` : ''}?`))) {
      return { ...base, found: found.map(toJson), deleted: [], remaining: found.map(toJson), notes: [], cancelled: true, exitCode: EXIT.ok };
    }
  }

  // Only what exists is walked, so a half-built lab is cleaned up as easily as a whole one.
  const present = new Set(found.map((r) => r.key));
  const existing = resources.filter((r) => present.has(r.key));
  // Shown last task first, as deletion runs against the dependencies.
  reporter.begin([...existing].reverse(), taskTitles(lab), 'Deleting');
  const reports = await destroyAll(existing, ctx, reporter);
  reporter.end();
  const failed = firstError(reports);

  const deletedKeys = new Set(reports.filter((r) => r.outcome === 'deleted' || r.outcome === 'absent').map((r) => r.key));
  // Ctrl-C before every deletion was done: stop now, and say what is left from what is
  // known, without asking AWS again. A Ctrl-C after the last deletion stops only the check.
  const stopped = ctx.signal?.aborted === true && existing.some((r) => !deletedKeys.has(r.key));
  const after = stopped
    ? { remaining: before.filter((r) => present.has(r.key) && !deletedKeys.has(r.key)).map((r) => ({ ...r, reasons: ['not deleted: the run was stopped'] })), unchecked: [] }
    : failed
      ? await leftovers(resources, ctx)
      : await settled(resources, ctx, reporter);
  const { remaining, unchecked } = after;
  // Everything was deleted but the check that nothing is left was cut short by Ctrl-C.
  const unverified = !stopped && !failed && ctx.signal?.aborted === true && (!('verified' in after && after.verified) || remaining.length > 0);
  const notes: string[] = keptNote ? [keptNote] : [];
  if (pending.length) {
    // Amazon SNS deletes a subscription left pending confirmation for 48 hours (72 before May
    // 2023: "Amazon SNS now supports automatic deletion of unconfirmed subscriptions",
    // https://aws.amazon.com/about-aws/whats-new/2023/05/amazon-sns-automatic-deletion-unconfirmed-subscriptions/).
    notes.push(
      `${pending.join(', ')} had not confirmed the email subscription. AWS does not let anyone remove an unconfirmed subscription; it went with the topic (and would expire by itself after 48 hours).`,
    );
  }
  const error = stopped
    ? undefined
    : failed
    ? new AwsFailure(`Cleanup stopped: ${failed.message}`, `${withoutRunAgain(failed.hint)} Run \`${pocCommand(options, 'cleanup')}\` again: it deletes whatever is still there.`.trim())
    : unchecked.length
      ? new AwsFailure(`${unchecked.length} resource(s) could not be checked after cleanup: ${unchecked.map((r) => r.name).join(', ')}.`, `${withoutRunAgain(unchecked[0].error?.hint)} Run \`${pocCommand(options, 'cleanup')}\` again: it deletes whatever is still there.`.trim())
      : remaining.length
      ? new AwsFailure(`${remaining.length} resource(s) are still there after cleanup: ${remaining.map((r) => r.name).join(', ')}.`, `AWS may still be finishing the deletion; run \`${pocCommand(options, 'cleanup')}\` again in a minute.`)
      : undefined;
  return {
    ...base,
    found: found.map(toJson),
    deleted: reports.filter((r) => r.outcome === 'deleted').map(toJson),
    remaining: remaining.map(toJson),
    unchecked: unchecked.map(toJson),
    notes,
    error,
    ...(unverified ? { unverified } : {}),
    exitCode: stopped || unverified ? EXIT.interrupted : error ? EXIT.failure : EXIT.ok,
  };
}

function pendingSubscriptions(reports: ResourceReport[]): string[] {
  const waiting = reports.find((r) => r.details?.awaitingConfirmation)?.details?.awaitingConfirmation;
  return typeof waiting === 'string' ? waiting.split(', ') : [];
}

interface Leftovers {
  remaining: ResourceReport[];
  /** Could not be read: neither "still there" nor "gone". */
  unchecked: ResourceReport[];
}

async function leftovers(resources: AnyResource[], ctx: Parameters<typeof observeAll>[1]): Promise<Leftovers> {
  ctx.reads.clear();
  const reports = await observeAll(resources, ctx);
  return { remaining: reports.filter((r) => r.state === 'present' || r.state === 'drifted'), unchecked: reports.filter((r) => r.error) };
}

/** Deletion is eventually consistent (a deleted queue is listed for up to 60 s): wait, bounded. */
async function settled(resources: AnyResource[], ctx: Parameters<typeof observeAll>[1], reporter: Reporter): Promise<Leftovers & { verified: boolean }> {
  let last: Leftovers = { remaining: [], unchecked: [] };
  let verified = false;
  try {
    await pollUntil(
      async () => {
        last = await leftovers(resources, ctx);
        verified = true;
        // What cannot be read will not become readable by waiting for AWS to finish deleting.
        if (last.unchecked.length) return true;
        return last.remaining.length ? `AWS to finish deleting ${last.remaining.map((r) => r.name).join(', ')}` : true;
      },
      DELETION_POLL,
      (note) => reporter.info(`  … ${note}`),
      ctx.signal,
    );
  } catch (error) {
    // Ctrl-C during a read: what the last complete read saw, if there was one.
    if (ctx.signal?.aborted) return { ...last, verified: verified && !last.unchecked.length };
    if (!(error instanceof RetryExhausted)) throw error;
  }
  return { ...last, verified };
}

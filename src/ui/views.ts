// What commands print as their result, on stdout. (--json prints the data instead.)
import type { LabResult, ResourceJson } from '../commands/results.js';
import type { StatusResult } from '../commands/status.js';
import type { Lab } from '../labs/lab.js';
import type { GlobalOptions } from '../commands/context.js';
import { pocCommand, setupCommand, shellQuote, type Selection } from '../suggest.js';
import { markedWord } from './class-view.js';
import { wrap } from './explain-view.js';
import { columns, style } from './format.js';

const out = () => style(process.stdout);

export function setupView(result: LabResult, dryRun: boolean, lab: Lab, options: GlobalOptions = {}): string {
  const s = out();
  const count = (o: string) => result.resources.filter((r) => r.outcome === o).length;
  const lines: string[] = [];
  // --only/--from/--to: what "done" covers, and whether the tasks left out are complete.
  const tasks = (list: number[]) => `task${list.length > 1 ? 's' : ''} ${list.join(', ')}`;
  const chosen = result.selected ? ` in the selected ${tasks(result.selected)}` : '';
  const rest = result.incomplete?.length
    ? [s.warn(`The lab is not complete: ${tasks(result.incomplete)} ${result.incomplete.length > 1 ? 'are' : 'is'} missing or drifted (not selected). \`${pocCommand(options, setupCommand({ email: (options as { email?: string }).email }, result.needsEmail))}\` builds every task.`)]
    : result.selected
      ? ['The tasks not selected are complete too.']
      : [];
  if (dryRun) {
    const todo = result.resources.filter((r) => r.state !== 'present');
    lines.push(todo.length ? `${todo.length} resource(s)${chosen} would be created or repaired:` : result.selected ? `Nothing to do${chosen}: they are complete.` : 'Nothing to do: the lab is complete.');
    for (const r of todo) lines.push(`  ${r.state === 'missing' ? '+ create' : '~ repair'}  ${r.name}${r.reasons && r.state !== 'missing' ? ` (${r.reasons.join('; ')})` : ''}`);
    return [...lines, ...rest].join('\n');
  }
  const changed = count('created') + count('updated');
  const skipped = count('skipped');
  lines.push(
    changed === 0 && !result.error && !skipped
      ? s.good(`Nothing changed: every resource${chosen} was already as the lab wants it.`)
      : changed === 0 && !result.error && !count('unchanged')
        ? `Nothing was built: ${result.stoppedAt ? `you stopped before task ${result.stoppedAt}` : 'every task was skipped'} (${skipped} resource(s) not attempted).`
        : `${count('created')} created, ${count('updated')} repaired, ${count('unchanged')} unchanged${count('failed') ? `, ${count('failed')} failed` : ''}${skipped ? `, ${skipped} skipped` : ''}.`,
  );
  if (!result.error) lines.push(...rest);
  // The lab's outputs (the order lab's API URL), then how to try the lab out.
  const outputs = lab.outputs.map((o) => ({ label: o.label, value: (result as unknown as Record<string, unknown>)[o.key] })).filter((o) => typeof o.value === 'string');
  if (outputs.length && !result.error) {
    const width = Math.max(...[...outputs.map((o) => o.label), lab.tryIt.exampleLabel].map((l) => l.length)) + 2;
    lines.push('', ...outputs.map((o) => `${`${o.label}:`.padEnd(width)}${s.bold(String(o.value))}`));
    const example = `${lab.tryIt.example}${options.endpointUrl && !options.localStage && lab.tryIt.emulatorExtra ? ` ${lab.tryIt.emulatorExtra}` : ''}`;
    lines.push(`${`${lab.tryIt.exampleLabel}:`.padEnd(width)}${pocCommand(options, example)}`);
  }
  // A subscription that waits for its link to be clicked says so in its details.
  const waiting = result.resources.find((r) => r.details?.awaitingConfirmation)?.details?.awaitingConfirmation;
  if (waiting && options.localStage) {
    // The local AWS mails nobody: its inbox holds the confirmation mail, and poc follows the link.
    lines.push(s.warn(`Confirm the subscription: the local AWS put a confirmation mail to ${String(waiting)} in its inbox. \`poc local confirm ${shellQuote(String(waiting))}\` follows its link (\`poc local inbox\` shows the mails).`));
  } else if (waiting) lines.push(s.warn(`Confirm the subscription: AWS emailed ${String(waiting)} a link (check spam too).`));
  return lines.join('\n');
}

function detailText(r: ResourceJson): string {
  if (r.state !== 'present') return r.reasons?.join('; ') ?? '';
  return r.summary ?? r.id ?? '';
}

export function statusView(result: StatusResult, options: GlobalOptions = {}): string {
  const s = out();
  const lines = [`Account ${result.account} in ${result.region}${result.prefix ? `, prefix ${result.prefix}` : ''}`, ''];
  const paint = (state = '') => (state === 'present' ? s.good : state === 'missing' ? s.bad : s.warn);
  // A lab's tasks may start at 0 (the inventory lab's "lab environment").
  let task: number | undefined;
  for (const r of result.resources) {
    if (r.task !== task) {
      task = r.task;
      lines.push(s.bold(`Task ${task}`));
    }
    const [row] = columns([[`  ${r.state ?? r.outcome ?? ''}`, r.name]], [11, 30]);
    lines.push(`${paint(r.state)(row.slice(0, 11))}${row.slice(11)}`);
    const detail = detailText(r);
    // Under the name, which starts after the 11-column state and a space.
    if (detail) lines.push(`${' '.repeat(12)}${s.dim(detail)}`);
  }
  lines.push('');
  const bad = result.resources.filter((r) => r.state !== 'present');
  const unsubscribed = bad.some((r) => r.type === 'sns-subscription' && r.state === 'missing');
  lines.push(
    result.complete
      ? s.good('The lab is complete.')
      : s.warn(`${bad.length} resource(s) missing or drifted${bad.length > 3 ? ' (listed above)' : `: ${bad.map((r) => r.name).join(', ')}`}. Run \`${pocCommand(options, setupCommand({}, unsubscribed))}\` to build or repair them${unsubscribed ? ' (with your address: the lab has no subscription yet)' : ''}.`),
  );
  return lines.join('\n');
}

export function cleanupView(result: import('../commands/cleanup.js').CleanupResult, options: GlobalOptions = {}): string {
  const s = out();
  if (!result.found.length) {
    return [s.good(`Nothing to delete: no resource of the lab${result.prefix ? ` with prefix ${result.prefix}` : ''} exists in ${result.region}.`), ...result.notes.map((n) => s.dim(n))].join('\n');
  }
  if (result.dryRun) {
    return [`cleanup would delete ${result.found.length} resource(s):`, ...result.found.map((r) => `  - ${r.type.padEnd(20)} ${r.name}`), '', `Run \`${pocCommand(options, 'cleanup')}\` to delete them.`].join('\n');
  }
  if (result.cancelled) return 'Cancelled: nothing was deleted.';
  const lines = [`Deleted ${result.deleted.length} resource(s).`];
  const unchecked = result.unchecked ?? [];
  if (result.remaining.length) {
    lines.push(s.warn('Still there:'));
    for (const r of result.remaining) lines.push(`  ${r.type.padEnd(20)} ${r.name}${r.reasons?.length ? ` (${r.reasons.join('; ')})` : ''}`);
  }
  if (unchecked.length) {
    lines.push(s.warn('Could not check (it may or may not be there):'));
    for (const r of unchecked) lines.push(`  ${r.type.padEnd(20)} ${r.name}`);
  }
  if (result.unverified && !result.remaining.length && !unchecked.length) lines.push(s.warn(`Stopped before checking that nothing is left: \`${pocCommand(options, 'cleanup')}\` checks (and deletes whatever is still there).`));
  else if (!result.remaining.length && !unchecked.length) lines.push(s.good('Checked: nothing of the lab is left, and nothing is left billing.'));
  lines.push(...result.notes.map((n) => s.dim(n)));
  return lines.join('\n');
}

export function logLine(line: import('../commands/logs.js').LogLine): string {
  const s = out();
  return `${s.dim(new Date(line.timestamp).toISOString())} ${s.bold(`[${line.function}]`)} ${line.message}`;
}

export function checkView(result: import('../commands/check.js').CheckResult): string {
  const s = out();
  const lines = [`Checking the lab in account ${result.account}, ${result.region}${result.prefix ? `, prefix ${result.prefix}` : ''}`, ''];
  for (const t of result.tasks) {
    // The verdict, its mark and word are class check's for the same lab.
    lines.push(`${markedWord(s, t.verdict)}  ${s.bold(`${t.task}. ${t.title}`)}`);
    for (const f of t.findings) lines.push(...wrap(f, `    ${s.bad('✖')} `, '      '));
    for (const w of t.warnings) lines.push(...wrap(w, `    ${s.warn('!')} `, '      '));
  }
  const failed = result.tasks.filter((t) => !t.passed);
  lines.push('', failed.length ? s.warn(`${failed.length} of ${result.tasks.length} task(s) need work: ${failed.map((t) => t.task).join(', ')}.`) : s.good(`All ${result.tasks.length} checked task(s) pass.`));
  return lines.join('\n');
}

/** The "why" of a task, for setup --step; the poc commands it names carry `selection` (the run's options). */
export async function stepExplanation(task: number, ctx: import('../engine/resource.js').Ctx, lab?: Lab, selection: Selection = { prefix: ctx.names.prefix || undefined }): Promise<string> {
  const { explainOnPaper } = await import('../labs/paper.js');
  lab ??= (await import('../labs/index.js')).selectLab();
  const { why } = await explainOnPaper(lab, task, ctx.names, ctx.arns, selection, ctx.settings.runtime);
  return why
    .split(/\n\s*\n/)
    .map((p) => wrap(p, '  ').join('\n'))
    .join('\n\n');
}

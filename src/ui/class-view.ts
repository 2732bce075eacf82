// What the class commands print on stdout: one grid, students x tasks, and under it the
// first finding of every cell that needs work. (--json prints the data instead.)
import type { CellState, ClassCleanupResult, ClassGrid, ClassOptions } from '../commands/class.js';
import { carried, pocCommand } from '../suggest.js';
import { style, wrap, type Style } from './format.js';

const MARKS: Record<CellState, [string, keyof Pick<Style, 'good' | 'bad' | 'warn' | 'dim'>]> = {
  passed: ['✔', 'good'],
  present: ['✔', 'good'],
  built: ['✔', 'good'],
  failed: ['✖', 'bad'],
  missing: ['✖', 'bad'],
  drifted: ['~', 'warn'],
  error: ['!', 'bad'],
  'not-started': ['·', 'dim'],
  skipped: ['·', 'dim'],
};

const LEGEND: Record<ClassGrid['command'], CellState[]> = {
  check: ['passed', 'failed', 'not-started', 'error'],
  status: ['present', 'missing', 'drifted', 'error'],
  setup: ['built', 'failed', 'skipped', 'error'],
};

const word = (state: CellState) => (state === 'error' ? 'could not read / run' : state.replace('-', ' '));

/** A state's mark and word, painted ("✔ passed"): `check` grades a task with the grid's words. */
export const markedWord = (s: Style, state: CellState) => s[MARKS[state][1]](`${MARKS[state][0]} ${word(state)}`);

export function classGridView(g: ClassGrid, options: ClassOptions = {}): string {
  const s = style(process.stdout);
  const width = Math.max(8, ...g.students.map((r) => r.student.length)) + 2;
  const lines = [`Class ${g.command}${g.dryRun ? ' (dry run: nothing was changed)' : ''}: ${g.lab} lab, account ${g.account}, ${g.region}, ${g.students.length} student(s)`, ''];
  if (g.students.length) {
    lines.push(s.bold(`${'student'.padEnd(width)}${g.tasks.map((t) => String(t.number).padStart(3)).join('')}`));
    for (const row of g.students) {
      const cells = g.tasks.map((t) => {
        const cell = row.cells.find((c) => c.task === t.number);
        const [mark, paint] = MARKS[cell?.state ?? 'not-started'];
        return `  ${s[paint](mark)}`;
      });
      lines.push(`${row.student.padEnd(width)}${cells.join('')}`);
    }
    lines.push('', ...wrap(`Tasks: ${g.tasks.map((t) => `${t.number} ${t.title}`).join('; ')}`, '', '  ').map((l) => s.dim(l)));
    lines.push(s.dim((g.dryRun ? LEGEND.status : LEGEND[g.command]).map((st) => `${MARKS[st][0]} ${word(st)}`).join('   ')));
    const notes = g.students.flatMap((row) =>
      row.error && row.cells.every((c) => c.state === 'error')
        ? [[row.student, '', row.error.message] as const]
        : row.cells.filter((c) => c.reason).map((c) => [row.student, String(c.task), c.reason!] as const),
    );
    if (notes.length) {
      lines.push('', s.bold(g.command === 'check' ? 'First finding of each failing task:' : g.command === 'status' ? 'What differs:' : g.dryRun ? 'What setup would create or repair:' : 'What went wrong:'));
      for (const [student, task, reason] of notes) lines.push(...wrap(reason, `  ${student.padEnd(width)}${task.padStart(2)}  `, ' '.repeat(width + 6)));
    }
  }
  for (const n of g.notes) lines.push('', ...wrap(n, '', ''));
  const ok = (row: ClassGrid['students'][number]) => !row.error && row.cells.every((c) => ['passed', 'present', 'built'].includes(c.state));
  const behind = g.students.filter((r) => !ok(r)).map((r) => r.student);
  if (g.students.length && g.dryRun) {
    const failed = g.students.filter((r) => r.error || r.cells.some((c) => c.state === 'error' || c.state === 'failed')).map((r) => r.student);
    const todo = behind.filter((st) => !failed.includes(st));
    lines.push('', todo.length ? `Setup would build or repair the labs of ${todo.join(', ')}: \`${pocCommand(options, `class setup${carried(options, ['only', 'from', 'to', 'email', 'runtime'])}`)}\` does it.` : s.good(`Nothing to do: the selected tasks are built for all ${g.students.length} student(s).`));
    if (failed.length) lines.push(s.warn(`Could not read the labs of ${failed.join(', ')}.`));
  } else if (g.students.length) {
    const done = { check: 'pass every task', status: 'have a complete lab', setup: 'were built' }[g.command];
    lines.push('', behind.length ? s.warn(`${g.students.length - behind.length} of ${g.students.length} student(s) ${done}; not yet: ${behind.join(', ')}.`) : s.good(`All ${g.students.length} student(s) ${done}.`));
  }
  return lines.join('\n');
}

export function classCleanupView(r: ClassCleanupResult, options: ClassOptions = {}): string {
  const s = style(process.stdout);
  const width = Math.max(8, ...r.students.map((x) => x.student.length)) + 2;
  const lines = [`Class cleanup${r.dryRun ? ' (dry run)' : ''}: ${r.lab} lab, account ${r.account}, ${r.region}, ${r.students.length} student(s)`, ''];
  if (!r.students.length) return [...lines, s.good('Nothing to delete: no student’s lab was found.'), ...r.notes.flatMap((n) => ['', ...wrap(n, '', '')])].join('\n');
  const head = r.dryRun || r.cancelled ? ['would delete'] : ['found', 'deleted', 'left'];
  lines.push(s.bold(`${'student'.padEnd(width)}${head.map((h) => h.padStart(8)).join(' ')}`));
  for (const x of r.students) {
    const cols = r.dryRun || r.cancelled ? [x.found] : [x.found, x.deleted, x.left.length];
    const flag = x.error ? `  ${s.bad(x.error.message)}` : '';
    lines.push(`${x.student.padEnd(width)}${cols.map((c) => String(c).padStart(8)).join(' ')}${flag}`);
  }
  const left = r.students.filter((x) => x.left.length);
  if (r.dryRun) lines.push('', `Run \`${pocCommand(options, `class cleanup${options.yes ? ' --yes' : ''}`)}\` to delete them.`);
  else if (r.cancelled) lines.push('', 'Cancelled: nothing was deleted.');
  else if (left.length) {
    lines.push('', s.warn('Still there:'));
    for (const x of left) lines.push(...wrap(x.left.join(', '), `  ${x.student.padEnd(width)}`, ' '.repeat(width + 2)));
  }
  const unchecked = r.students.filter((x) => x.unverified && !x.left.length).map((x) => x.student);
  if (!r.dryRun && !r.cancelled && unchecked.length) lines.push('', s.warn(`Deleted, but stopped before checking that nothing is left: ${unchecked.join(', ')}.`));
  if (!r.dryRun && !r.cancelled && (left.length || unchecked.length)) lines.push('', `Run \`${pocCommand(options, `class cleanup${options.yes ? ' --yes' : ''}`)}\` again: it finishes what is left${unchecked.length ? ' and checks' : ''}.`);
  else if (!r.dryRun && !r.cancelled && !unchecked.length && !r.students.some((x) => x.error)) lines.push('', s.good('Checked: nothing of the lab is left for any student.'));
  for (const n of r.notes) lines.push('', ...wrap(n, '', ''));
  return lines.join('\n');
}

// Task numbers as the commands take them: one (explain) or a list of the tasks that
// build something (setup --only/--from/--to, check). Checked before any AWS call, against
// the tasks of the run's lab.
import { UsageError } from '../errors.js';
import { DEFAULT_LAB, selectLab } from '../labs/index.js';
import { buildingTasks, type Lab } from '../labs/lab.js';

/** Task numbers from the command line; only tasks that build something can be checked. */
export function parseTaskList(args: string[], valid: number[], lab: Lab = selectLab()): number[] {
  const given = args.flatMap((a) => a.split(',')).map((a) => a.trim());
  // An empty list (--only '') is a mistake, not "every task".
  const example = `Name tasks by number, e.g. 3,4 or 3-5 (tasks ${valid[0]}-${valid[valid.length - 1]}).`;
  if (!given.some(Boolean)) throw new UsageError('No task given.', example);
  // "1,,2" or a trailing comma: a number was left out, or mistyped; guessing could run the wrong tasks.
  if (given.some((a) => !a)) throw new UsageError(`"${args.join(',')}" has an empty place between commas.`, example);
  // A range (3-5) stands for every task in it.
  const list = given.flatMap((a) => {
    const range = /^(\d+)-(\d+)$/.exec(a);
    if (range && Number(range[1]) > Number(range[2])) throw new UsageError(`${a} is a range from a higher task to a lower one.`, `Write it low to high: ${range[2]}-${range[1]}.`);
    if (!range) return [a];
    return Array.from({ length: Number(range[2]) - Number(range[1]) + 1 }, (_, i) => String(Number(range[1]) + i));
  });
  const numbers = list.map((a) => (/^\d+$/.test(a) ? Number(a) : NaN));
  const bad = list.filter((_, i) => !valid.includes(numbers[i]));
  if (bad.length) {
    const listing = lab.tasks
      .filter((t) => valid.includes(t.number))
      .map((t) => `${t.number}. ${t.title}`)
      .join('; ');
    throw new UsageError(`No task ${bad.join(', ')} to work on here.`, `Valid tasks: ${listing}.`);
  }
  return [...new Set(numbers)].sort((a, b) => a - b);
}

/** The default lab's building tasks (the commands use buildingTasks(lab) of their run). */
export const BUILDING_TASKS = buildingTasks(selectLab(DEFAULT_LAB));

export function parseTask(raw: string | undefined, lab: Lab = selectLab()): number {
  const tasks = lab.tasks;
  // The CLI prints a hint indented by two spaces: its later lines are indented here.
  const list = tasks.map((t) => `    ${String(t.number).padStart(2)}. ${t.title}`).join('\n');
  const number = raw !== undefined && /^\s*\d+\s*$/.test(raw) ? Number(raw) : NaN;
  const task = tasks.find((t) => t.number === number);
  if (!task) {
    const first = tasks[0].number;
    const lastTask = tasks[tasks.length - 1].number;
    throw new UsageError(
      raw === undefined ? 'Which task? Name one by its number.' : `"${raw}" is not a task of the lab: choose ${first}-${lastTask}.`,
      `The tasks are:\n${list}\n  For example: poc explain 3`,
    );
  }
  return task.number;
}

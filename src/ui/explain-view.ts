// How `poc explain` and `poc tasks` read in a terminal: headings, aligned columns, prose
// wrapped to 78 columns, commands broken with "\" so they can be pasted as they are.
// Nothing here knows a lab: the texts come from each lab's explanations (src/labs/<lab>/).
import type { ExplainResult } from '../commands/explain.js';
import type { TaskLine, TasksResult } from '../commands/tasks.js';
import { style, textWidth, wrap, WIDTH, type Style } from './format.js';

export { wrap, WIDTH };

const out = () => style(process.stdout);

/**
 * Splits a shell command before each option (and URL, S3 URI), never inside quotes. (A backslash-newline
 * is a line continuation inside $( ) too, so those may be broken.) A comment is one last part:
 * it runs to the end of its line, so a "\\" inside it would continue nothing.
 */
export function commandParts(command: string): string[] {
  const parts: string[] = [];
  let quote = '';
  let start = 0;
  for (let i = 0; i < command.length; i++) {
    const c = command[i];
    if (quote) {
      if (c === quote) quote = '';
    } else if (c === '\\') i++;
    else if (c === "'" || c === '"') quote = c;
    else if (c === '#' && command[i - 1] === ' ') {
      if (command.slice(start, i).trim()) parts.push(command.slice(start, i).trimEnd());
      start = i;
      break;
    } else if (c === ' ' && i > start && (command[i + 1] === '-' || command.startsWith('https://', i + 1) || command.startsWith('s3://', i + 1))) {
      parts.push(command.slice(start, i));
      start = i + 1;
    }
  }
  parts.push(command.slice(start));
  return parts;
}

/** A command as lines that fit `width` where they can, continued with " \". */
export function breakCommand(command: string, indent = '  ', continuation = '      ', width = textWidth()): string[] {
  const lines: string[] = [];
  let line = indent;
  for (const part of commandParts(command)) {
    const fresh = line === indent || line === continuation;
    if (!fresh && line.length + 1 + part.length + 2 > width) {
      lines.push(`${line} \\`);
      line = continuation + part;
    } else line += (fresh ? '' : ' ') + part;
  }
  lines.push(line);
  return lines;
}

/** JSON on one line, with a space after each comma and colon. */
function inlineJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(inlineJson).join(', ')}]`;
  if (value && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>).filter(([, v]) => v !== undefined);
    return entries.length ? `{ ${entries.map(([k, v]) => `${JSON.stringify(k)}: ${inlineJson(v)}`).join(', ')} }` : '{}';
  }
  return JSON.stringify(value);
}

/**
 * JSON as a person reads it: below the top level, an object or array that fits on its
 * line stays on it. Still valid JSON, so it can be copied into a file as it is.
 */
export function formatJson(value: unknown, indent = '', width = textWidth(), depth = 0, lead = 0): string {
  const one = inlineJson(value);
  if (!value || typeof value !== 'object' || (depth > 0 && lead + one.length + 1 <= width)) return one;
  const inner = `${indent}  `;
  const items = Array.isArray(value)
    ? value.map((v) => `${inner}${formatJson(v, inner, width, depth + 1, inner.length)}`)
    : Object.entries(value as Record<string, unknown>)
        .filter(([, v]) => v !== undefined)
        .map(([k, v]) => `${inner}${JSON.stringify(k)}: ${formatJson(v, inner, width, depth + 1, inner.length + JSON.stringify(k).length + 2)}`);
  if (!items.length) return one;
  const [open, close] = Array.isArray(value) ? ['[', ']'] : ['{', '}'];
  return `${open}\n${items.join(',\n')}\n${indent}${close}`;
}

function heading(s: Style, text: string): string {
  return s.chalk.bold.cyan(text);
}

export function explainView(r: ExplainResult): string {
  const s = out();
  const lines: string[] = [s.bold(`Task ${r.task} · ${r.title}`)];
  const known = !r.account.startsWith('<');
  lines.push(
    ...(known
      ? [s.dim(`Account ${r.account} in ${r.region}${r.prefix ? `, prefix ${r.prefix}` : ''}`)]
      : wrap(`No AWS account is known here, so ${r.account}${r.region.startsWith('<') ? ` and ${r.region}` : ''} stand for yours${r.prefix ? `; prefix ${r.prefix}` : ''}.`).map((l) => s.dim(l))),
  );

  lines.push('', heading(s, 'Why'));
  r.why.split(/\n\s*\n/).forEach((paragraph, i) => {
    if (i) lines.push('');
    lines.push(...wrap(paragraph, '  '));
  });

  lines.push('', heading(s, 'In the console'));
  const numberWidth = String(r.steps.length).length + 1;
  r.steps.forEach((step, i) => {
    const label = `${i + 1}.`.padStart(numberWidth);
    const [head, ...tail] = wrap(step, `  ${label} `, ' '.repeat(numberWidth + 3));
    lines.push(head.replace(label, s.dim(label)), ...tail);
  });

  const files = Object.entries(r.json);
  if (files.length) {
    lines.push('', heading(s, 'The JSON'));
    files.forEach(([name, doc], i) => {
      if (i) lines.push('');
      lines.push(`  ${s.bold(name)}`);
      lines.push(...formatJson(doc, '    ').split('\n').map((l, j) => (j ? l : `    ${l}`)));
    });
  }

  lines.push('', heading(s, 'With the AWS CLI'));
  if (files.length) lines.push(...wrap('Save each JSON above under its name in the current folder first.', '  ').map((l) => s.dim(l)));
  for (const command of r.cli) lines.push(...breakCommand(command));
  return lines.join('\n');
}

function stateText(s: Style, t: TaskLine, statesShown: boolean): string {
  if (t.hint) return s.dim(`\`${t.hint}\``);
  if (!statesShown) return '';
  const count = t.total !== undefined ? s.dim(` (${t.present} of ${t.total})`) : '';
  switch (t.state) {
    case 'done':
      return s.good('done');
    case 'partly':
      return `${s.warn('partly')}${count}`;
    case 'not started':
      return s.dim('not started');
    default:
      return s.bad('unknown (could not read it)');
  }
}

export function tasksView(r: TasksResult): string {
  const s = out();
  const statesShown = r.account !== undefined;
  const lines: string[] = [];
  if (statesShown) lines.push(s.dim(`Account ${r.account} in ${r.region}${r.prefix ? `, prefix ${r.prefix}` : ''}`), '');
  const numberWidth = String(Math.max(...r.tasks.map((t) => t.task))).length + 1;
  const titleWidth = Math.max(...r.tasks.map((t) => t.title.length));
  for (const t of r.tasks) {
    const state = stateText(s, t, statesShown);
    lines.push(`  ${`${t.task}.`.padStart(numberWidth)} ${state ? `${t.title.padEnd(titleWidth)}  ${state}` : t.title}`);
  }
  lines.push('');
  if (r.noCredentials) lines.push(...wrap('No AWS credentials found, so no states: with them, poc tasks also shows how far each task is in your account.').map((l) => s.dim(l)));
  lines.push(s.dim('poc explain <n> shows what a task builds, why, and how to do it by hand.'));
  return lines.join('\n');
}

/** A notice for stderr: why a command says less than it could. */
export function noticeText(text: string): string {
  const s = style(process.stderr);
  return `${wrap(text, '! ', '  ').map((l) => s.warn(l)).join('\n')}\n`;
}

// Colours and line formats shared by every view. Colour follows the stream it is
// written to, as chalk detects it, and degrades to plain text (NO_COLOR, FORCE_COLOR=0,
// TERM=dumb, pipes).
import { Chalk, supportsColor, supportsColorStderr, type ChalkInstance } from 'chalk';
import type { ResourceReport } from '../engine/walks.js';

export interface Style {
  good(t: string): string;
  bad(t: string): string;
  warn(t: string): string;
  dim(t: string): string;
  bold(t: string): string;
  chalk: ChalkInstance;
}

/**
 * The colour level of stdout or stderr as chalk detects it (FORCE_COLOR, --color, TERM=dumb,
 * CI, a pipe), and NO_COLOR (no-color.org), which chalk leaves to the program, unless
 * FORCE_COLOR asks for colour anyway. Any other stream gets none.
 */
export function colourLevel(stream: NodeJS.WriteStream): number {
  const detected = stream === process.stdout ? supportsColor : stream === process.stderr ? supportsColorStderr : false;
  if (!detected) return 0;
  if (process.env.NO_COLOR && process.env.FORCE_COLOR === undefined) return 0;
  return detected.level;
}

export function style(stream: NodeJS.WriteStream): Style {
  const chalk = new Chalk({ level: colourLevel(stream) as 0 | 1 | 2 | 3 });
  return { good: chalk.green, bad: chalk.red, warn: chalk.yellow, dim: chalk.dim, bold: chalk.bold, chalk };
}

const MARK: Record<string, string> = {
  created: '+',
  updated: '~',
  unchanged: '=',
  deleted: '-',
  absent: ' ',
  failed: '✖',
  skipped: '·',
  // A plan's (dry-run) states, marked like what setup would do, so both line up at two spaces.
  missing: '+',
  drifted: '~',
  present: '=',
};

export function outcomeLine(report: ResourceReport, s: Style): string {
  const outcome = report.outcome ?? report.state ?? '';
  const paint = outcome === 'failed' ? s.bad : outcome === 'skipped' || outcome === 'absent' || outcome === 'unchanged' ? s.dim : s.good;
  const head = `  ${paint(`${MARK[outcome] ?? ' '} ${outcome.padEnd(9)}`)} ${report.type.padEnd(20)} ${report.name}`;
  const why = report.error ? [report.error.message, report.error.hint].filter(Boolean) : report.reasons;
  return [head, ...why.map((r) => `      ${s.dim(r ?? '')}`)].join('\n');
}

/** Pads columns to a width, for tables that must fit 80 columns. */
/** At most a few names, then how many more: a large file's out-of-stock list would be one ~1 MB line. */
export function someOf(names: string[], shown = 5): string {
  return names.length <= shown ? names.join(', ') : `${names.slice(0, shown).join(', ')} and ${names.length - shown} more (--json lists them all)`;
}

export function columns(rows: string[][], widths: number[]): string[] {
  return rows.map((row) =>
    row
      .map((cell, i) => (i < widths.length - 1 ? cell.padEnd(widths[i]) : cell))
      .join(' ')
      .trimEnd(),
  );
}

export const WIDTH = 78;

/** The width prose is wrapped to: 78 columns, or less in a narrower terminal (never below 30). */
export function textWidth(): number {
  const columns = process.stdout.isTTY ? process.stdout.columns : process.stderr.isTTY ? process.stderr.columns : undefined;
  return columns ? Math.max(30, Math.min(WIDTH, columns - 2)) : WIDTH;
}

/**
 * The words of a text, where a `backticked` span and a shell-quoted '...' span count as one
 * word: a command wrapped inside its quotes no longer works when pasted. Such a span may
 * run past the width; that is the lesser harm.
 */
export function words(text: string): string[] {
  return text.match(/`[^`]*`\S*|(?<=^|\s)'[^'\n]*'\S*|\S+/g) ?? [];
}
/** Wraps prose to `width` columns, the first line after `first`, the others after `rest`. */
export function wrap(text: string, first = '', rest = first, width = textWidth()): string[] {
  const lines: string[] = [];
  let line = first;
  let empty = true;
  for (const word of words(text)) {
    if (!empty && line.length + 1 + word.length > width) {
      lines.push(line);
      line = rest + word;
    } else {
      line += (empty ? '' : ' ') + word;
    }
    empty = false;
  }
  lines.push(line);
  return lines;
}

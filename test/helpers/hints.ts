// Every command poc suggests must run as is and act on the lab(s) the run that suggested
// it worked on. runPoc (./cli.ts) hands each run's output here: every `poc …` in
// backticks is split as a shell would, parsed by poc's own commander program (the one
// bin/poc.js runs: an unknown option, a bad choice or a stray argument fails), and its
// selection (prefix or students, region, profile, endpoint, lab) compared with the run's.
import { Command, CommanderError } from 'commander';
import { buildProgram } from '../../src/cli.js';

/** The `poc …` commands in backticks in a run's output (wrap never breaks one, see suggest.test.ts). */
export function hintsIn(text: string): string[] {
  return [...text.matchAll(/`(poc [^`\n]+)`/g)].map((m) => m[1]);
}

/** Splits a command as a POSIX shell does for the quoting poc writes ('…', "…", \x). */
export function shellWords(command: string): string[] {
  const words: string[] = [];
  let word: string | undefined;
  for (let i = 0; i < command.length; i++) {
    const c = command[i];
    if (c === "'") {
      const end = command.indexOf("'", i + 1);
      if (end < 0) throw new Error(`unterminated ' in ${command}`);
      word = (word ?? '') + command.slice(i + 1, end);
      i = end;
    } else if (c === '"') {
      let j = i + 1;
      let text = '';
      for (; j < command.length && command[j] !== '"'; j++) text += command[j] === '\\' ? command[++j] : command[j];
      if (j >= command.length) throw new Error(`unterminated " in ${command}`);
      word = (word ?? '') + text;
      i = j;
    } else if (c === '\\') word = (word ?? '') + command[++i];
    else if (/\s/.test(c)) {
      if (word !== undefined) words.push(word);
      word = undefined;
    } else if (/[|&;<>()$`]/.test(c)) throw new Error(`"${c}" would be taken by the shell in ${command}`);
    else word = (word ?? '') + c;
  }
  if (word !== undefined) words.push(word);
  return words;
}

export interface Parsed {
  /** "setup", "class cleanup". */
  command: string;
  options: Record<string, unknown>;
  operands: string[];
}

/** Parses poc's arguments (without "poc") with poc's own program, running nothing; throws what commander would say. */
export function parsePoc(args: string[]): Parsed {
  const program = buildProgram();
  const quiet = (cmd: Command) => {
    cmd.exitOverride().configureOutput({ writeErr: () => {}, writeOut: () => {} });
    cmd.commands.forEach(quiet);
  };
  quiet(program);
  let cmd: Command = program;
  const path: string[] = [];
  let rest = args;
  while (cmd.commands.length && rest.length) {
    const sub = cmd.commands.find((c) => c.name() === rest[0] || c.aliases().includes(rest[0]));
    if (!sub) throw new Error(`unknown command '${rest[0]}'${path.length ? ` of poc ${path.join(' ')}` : ''}`);
    path.push(sub.name());
    cmd = sub;
    rest = rest.slice(1);
  }
  if (cmd.commands.length) throw new Error(`poc ${path.join(' ')} needs a subcommand`);
  let parsed: { operands: string[]; unknown: string[] };
  try {
    parsed = cmd.parseOptions(rest);
  } catch (error) {
    throw new Error(error instanceof CommanderError ? error.message : String(error));
  }
  if (parsed.unknown.length) throw new Error(`unknown option or argument ${parsed.unknown[0]}`);
  const variadic = cmd.registeredArguments.some((a) => a.variadic);
  if (!variadic && parsed.operands.length > cmd.registeredArguments.length) throw new Error(`too many arguments: ${parsed.operands.join(' ')}`);
  const missing = cmd.registeredArguments.filter((a, i) => a.required && parsed.operands[i] === undefined);
  if (missing.length) throw new Error(`missing argument ${missing[0].name()}`);
  return { command: path.join(' '), options: cmd.opts(), operands: parsed.operands };
}

const ACCOUNT_KEYS = ['region', 'profile', 'endpointUrl', 'lab'] as const;

/**
 * What is wrong with a hint printed by the run of `argv` (poc's arguments), or undefined.
 * `output` is everything the run printed: a hint may move to a region the message names
 * ("a lab already exists in us-east-1").
 */
export function hintProblem(argv: string[], hint: string, output: string): string | undefined {
  let run: Parsed;
  try {
    run = parsePoc(argv);
  } catch {
    return undefined; // the run itself was bad input: its hints are about that
  }
  let h: Parsed;
  try {
    h = parsePoc(shellWords(hint).slice(1));
  } catch (error) {
    return `\`${hint}\` does not run as is: ${(error as Error).message}`;
  }
  // The local AWS is the machine's, not a lab's: `poc local …` takes no selection (it parsed).
  if (h.command.startsWith('local ')) return undefined;
  const o = run.options as Record<string, string | undefined>;
  const ho = h.options as Record<string, string | undefined>;
  for (const key of ACCOUNT_KEYS) {
    if (o[key] === undefined || ho[key] === o[key]) continue;
    if (key === 'region' && ho.region && output.includes(ho.region)) continue;
    return `\`${hint}\` drops or changes the run's --${key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)} ${o[key]}`;
  }
  const isClass = (p: Parsed) => p.command.startsWith('class ');
  if (isClass(run)) {
    const students = o.students?.split(',').map((s) => s.trim()) ?? [];
    if (isClass(h)) {
      if (ho.students !== o.students || ho.roster !== o.roster) return `\`${hint}\` does not name the run's class (--students ${o.students ?? '-'}, --roster ${o.roster ?? '-'})`;
    } else if (ho.prefix !== undefined && students.length && !students.includes(ho.prefix)) return `\`${hint}\` names --prefix ${ho.prefix}, not one of the run's students`;
    return undefined;
  }
  if (isClass(h)) return `\`${hint}\` is a class command suggested by a single lab's run`;
  // A new prefix for the lab in this region (setup's region conflict) is the one change allowed.
  const derived = [o.prefix ? `${o.prefix}-${o.region}` : o.region];
  if (ho.prefix !== o.prefix && !derived.includes(ho.prefix)) return `\`${hint}\` ${o.prefix ? `drops or changes the run's --prefix ${o.prefix}` : `adds --prefix ${ho.prefix}`}`;
  return undefined;
}

/** Every problem of every hint in a run's output. */
export function hintProblems(argv: string[], output: string): string[] {
  const flat = output.replace(/\x1b\[[0-9;]*m/g, '');
  return hintsIn(flat)
    .map((hint) => hintProblem(argv, hint, flat))
    .filter((p): p is string => p !== undefined);
}

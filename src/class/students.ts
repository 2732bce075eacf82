// Who is in the class: --students alice,bob or --roster FILE (one name a line, optionally
// followed by the student's email; `#` starts a comment). Every name is checked as a
// prefix with the lab's own rules, before any AWS call: bad input changes nothing.
import { readFileSync } from 'node:fs';
import { PocError, UsageError } from '../errors.js';
import type { Lab } from '../labs/lab.js';
import { validateEmail } from '../commands/context.js';

export interface Student {
  prefix: string;
  /** From the roster line, or --email with {student} filled in. */
  email?: string;
  /** The email is the student's own, from their roster line (not the class's --email). */
  fromRoster?: boolean;
}

export interface StudentOptions {
  students?: string;
  roster?: string;
  email?: string;
}

interface Entry {
  name: string;
  email?: string;
  /** "roster line 3" or "--students". */
  where: string;
}

function rosterEntries(file: string, read: (file: string) => string): Entry[] {
  let text: string;
  try {
    text = read(file);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new UsageError(`Cannot read the roster ${file}${code ? ` (${code})` : ''}.`, 'Give a text file with one student name a line, e.g. --roster students.txt.');
  }
  const entries: Entry[] = [];
  text.split(/\r?\n/).forEach((raw, i) => {
    const line = raw.replace(/#.*/, '').trim();
    if (!line) return;
    const where = `${file} line ${i + 1}`;
    const [name, email, ...rest] = line.split(/\s+/);
    if (rest.length) {
      throw new UsageError(`${where}: "${line}" has ${rest.length + 2} words; a line is a name, optionally followed by an email address.`, 'For example:\n    alice\n    bob bob@example.com   # notifications go to bob');
    }
    entries.push({ name, email, where });
  });
  return entries;
}

/** The class from the options, or undefined when none was given (status/check/cleanup then discover it). */
export function parseStudents(options: StudentOptions, lab: Lab, read: (file: string) => string = (f) => readFileSync(f, 'utf8')): Student[] | undefined {
  if (options.students !== undefined && options.roster !== undefined) {
    throw new UsageError('Use either --students or --roster, not both.', 'For example --students alice,bob or --roster students.txt.');
  }
  let entries: Entry[];
  if (options.students !== undefined) {
    entries = options.students.split(',').map((name) => ({ name: name.trim(), where: '--students' }));
    const blank = entries.findIndex((e) => !e.name);
    if (blank >= 0 && entries.length > 1) throw new UsageError(`--students "${options.students}" has an empty name (item ${blank + 1}).`, 'Separate the names with single commas: --students alice,bob,carol');
    entries = entries.filter((e) => e.name);
  } else if (options.roster !== undefined) {
    entries = rosterEntries(options.roster, read);
  } else return undefined;
  if (!entries.length) {
    throw new UsageError(`${options.roster !== undefined ? `The roster ${options.roster}` : '--students'} names no student.`, 'List at least one name: --students alice,bob, or one name a line in the roster.');
  }

  // IAM role and policy names are unique regardless of case, so Alice and alice would share them.
  const seen = new Map<string, Entry>();
  return entries.map((e) => {
    try {
      lab.names(e.name);
    } catch (error) {
      if (!(error instanceof PocError)) throw error;
      throw new UsageError(`${e.where}: student "${e.name}" cannot be a prefix. ${error.message.replace(/^--prefix "[^"]*" /, 'It ')}`, error.hint);
    }
    const twin = seen.get(e.name.toLowerCase());
    if (twin) {
      throw new UsageError(
        `${e.where}: student "${e.name}" is listed twice (also ${twin.where === e.where ? 'earlier' : `at ${twin.where}`}${twin.name !== e.name ? ` as "${twin.name}"` : ''}).`,
        'Give each student one distinct name (IAM names ignore case, so Alice and alice are the same).',
      );
    }
    seen.set(e.name.toLowerCase(), e);
    const email = e.email ?? options.email?.replaceAll('{student}', e.name);
    try {
      return { prefix: e.name, email: validateEmail(email, lab), ...(e.email ? { fromRoster: true } : {}) };
    } catch (error) {
      if (!(error instanceof PocError)) throw error;
      throw new UsageError(`${e.where} (${e.name}): ${error.message}`, error.hint);
    }
  });
}

// Every command poc suggests ("Run `poc setup`") is built here, with the options that
// select the same lab and account as the run that suggests it; without them the advice
// would act on another prefix, region, profile or emulator.
import type { GlobalOptions } from './context.js';

/** The global options that say which lab in which account: carried into every suggestion, in this order. */
const SELECTING: [keyof GlobalOptions & string, string][] = [
  ['prefix', '--prefix'],
  ['region', '--region'],
  ['profile', '--profile'],
  ['endpointUrl', '--endpoint-url'],
  ['lab', '--lab'],
];

/** Quotes a value for a POSIX shell when it needs it. */
export function shellQuote(value: string): string {
  return /^[A-Za-z0-9_@%+=:,./-]+$/.test(value) ? value : `'${value.replace(/'/g, `'\\''`)}'`;
}

/** `poc <command> <args>` plus the options that select this run's lab and account. */
export function pocCommand(options: GlobalOptions, command: string): string {
  const flags = SELECTING.flatMap(([key, flag]) => {
    // --local stands for the local AWS's endpoint (which changes with every start).
    if (key === 'endpointUrl' && options.local) return ['--local'];
    const value = (options as Record<string, unknown>)[key];
    return typeof value === 'string' && value !== '' ? [`${flag} ${shellQuote(value)}`] : [];
  });
  return ['poc', command, ...flags].filter(Boolean).join(' ');
}

/**
 * A hint without its generic "run the same command again", for commands that add their own,
 * more precise way on (setup: continue; cleanup: delete what is left): said once, not twice.
 */
export function withoutRunAgain(hint: string | undefined): string {
  return (hint ?? '')
    .replace(/,? then run the same command again\.?/gi, '.')
    .replace(/\s*Run the same command again\.?/gi, '')
    .replace(/\.\./g, '.')
    .trim();
}

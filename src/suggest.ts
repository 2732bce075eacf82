// Every command poc suggests ("Run `poc setup`") is built here, with the options that
// select the same lab and account as the run that suggests it; without them the advice
// would act on another prefix, region, profile or emulator. Shared by the commands, the
// UI and the labs' try-it code, so it imports none of them.

/** The options that select a lab and account (the global options have them), and a class run's students. */
export interface Selection {
  prefix?: string;
  students?: string;
  roster?: string;
  region?: string;
  profile?: string;
  endpointUrl?: string;
  /** --local: suggested as --local, not as the local AWS's endpoint of the moment. */
  local?: boolean;
  lab?: string;
}

/** The options that say which lab(s) in which account: carried into every suggestion, in this order. */
const SELECTING: [keyof Selection & string, string][] = [
  ['prefix', '--prefix'],
  // A class command's students: without them `poc class cleanup` finds every student in the account.
  ['students', '--students'],
  ['roster', '--roster'],
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
export function pocCommand(options: Selection, command: string): string {
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

/**
 * " --only 1,2 --email 'me+{student}@example.com'": the options of the run that the suggested
 * command needs to do the same work (beyond the selection pocCommand adds), by their keys.
 */
export function carried(options: object, keys: string[]): string {
  const values = options as Record<string, unknown>;
  return keys
    .flatMap((key) => {
      const flag = `--${key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`;
      const value = values[key];
      if (value === true) return [flag];
      return typeof value === 'string' || typeof value === 'number' ? [`${flag} ${shellQuote(String(value))}`] : [];
    })
    .map((f) => ` ${f}`)
    .join('');
}

/**
 * `setup` as a suggestion, with the run's task choice, runtime and address. A lab without a
 * subscription cannot be built without an address (`needsEmail`): then, lacking the run's,
 * the placeholder setup's own error names. Never a placeholder otherwise: on a lab that has
 * a subscription it would subscribe a second address.
 */
export function setupCommand(options: object, needsEmail = false): string {
  const email = (options as { email?: string }).email ?? (needsEmail ? 'you@example.com' : undefined);
  return `setup${carried({ ...options, email }, ['only', 'from', 'to', 'runtime', 'email'])}`;
}

/** An aws CLI command with the run's region, profile and endpoint, for what poc has no command of its own for. */
export function awsCommand(options: Selection, command: string): string {
  return ['aws', command, carried(options, ['region', 'profile', 'endpointUrl']).trim()].filter(Boolean).join(' ');
}


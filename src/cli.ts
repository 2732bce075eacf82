// The commander program: global options, one entry per command, one error handler.
// Only commander and the error classes load at start-up; a command's code (and with
// it the AWS SDK, the prompts, the spinner) loads when that command runs.
import { Command, CommanderError, Option } from 'commander';
import { EXIT, Interrupted, PocError, UsageError } from './errors.js';
import { LABS, selectLab } from './labs/index.js';
import type { Lab } from './labs/lab.js';
import type { GlobalOptions } from './commands/context.js';
import type { Reporter } from './ui/reporter.js';

interface Outcome {
  /** What --json prints. */
  data: object;
  /** What a person reads on stdout. */
  view: () => string | Promise<string>;
  exitCode: number;
  error?: PocError;
  /** The command already streamed its output (logs --follow): print no document. */
  quietJson?: boolean;
  /**
   * The command handles Ctrl-C itself: its exit code says whether it was stopped (130) or
   * finished anyway (a cleanup whose last deletion and check were done), and is kept.
   */
  ownsInterrupt?: boolean;
}

type Runner<O> = (options: O & GlobalOptions, tools: Tools) => Promise<Outcome>;

export interface Tools {
  reporter: Reporter;
  signal: AbortSignal;
  /** True when a person can answer a question (terminal on both ends, not --json, not CI). */
  interactive: boolean;
}

const AWS_HELP = `
AWS access:
  Credentials and region come from the usual places (environment, ~/.aws, SSO), or
  --profile and --region. --endpoint-url (or AWS_ENDPOINT_URL) points poc at an
  emulator such as moto: --endpoint-url http://127.0.0.1:5000`;

function withAwsOptions(cmd: Command): Command {
  return cmd
    .option('--region <region>', 'AWS region, e.g. us-east-1 (default: AWS_REGION or your profile’s region)')
    .option('--profile <name>', 'named profile from ~/.aws/config')
    .option('--endpoint-url <url>', 'send every AWS call to this endpoint (an emulator); AWS_ENDPOINT_URL works too')
    .option('--local', 'use the local AWS on this machine (poc local start): no AWS account needed')
    .option('--prefix <name>', 'namespace every resource as <name>-<resource>, so a class can share one account')
    .option('--lab <id>', `which lab: ${LABS.map((l) => l.id).join(', ')} (default: POC_LAB or orders)`)
    .option('--json', 'print one JSON document on stdout and nothing else there')
    .option('-y, --yes', 'answer yes to every question (for scripts)')
    .option('--verbose', 'show every AWS call and full error details')
    .addHelpText('after', AWS_HELP);
}

function errorJson(error: PocError) {
  return { error: { message: error.message, ...(error.hint ? { hint: error.hint } : {}), exitCode: error.exitCode } };
}

/** How soon after a Ctrl-C a second SIGINT is taken for a relayed copy of the same one (see execute). */
const RELAYED_SIGINT_MS = 500;

let sigints = 0;
/** Whether this run had a Ctrl-C (bin/poc.js then exits at once, see there). */
export function interrupted(): boolean {
  return sigints > 0;
}

async function execute<O>(options: O & GlobalOptions, runner: Runner<O>, how: { startsLocal?: boolean } = {}): Promise<number> {
  const { createReporter } = await import('./ui/reporter.js');
  const reporter = await createReporter({ json: options.json, verbose: options.verbose });
  const controller = new AbortController();
  let interrupts = 0;
  let firstAt = 0;
  const onSigint = () => {
    // One Ctrl-C can arrive twice: the terminal sends SIGINT to its whole foreground process
    // group, and npx/npm, in that group, forwards its own copy to poc (@npmcli/run-script's
    // signal-manager). A second one this soon is that copy, not a person asking to quit at once.
    if (interrupts === 1 && Date.now() - firstAt < RELAYED_SIGINT_MS) return;
    if (interrupts === 0) firstAt = Date.now();
    interrupts++;
    sigints++;
    if (interrupts > 1) process.exit(EXIT.interrupted);
    reporter.warn('Stopping after the calls under way (Ctrl-C again to quit at once)…');
    controller.abort(new Interrupted());
  };
  process.on('SIGINT', onSigint);
  const interactive = !options.json && !process.env.CI && process.stdin.isTTY === true && process.stdout.isTTY === true;
  try {
    if (options.local) {
      const { useLocal } = await import('./local/use-local.js');
      await useLocal(options, { start: how.startsLocal === true, say: (text) => reporter.info(text) });
    }
    const outcome = await runner(options, { reporter, signal: controller.signal, interactive });
    reporter.end();
    if (options.json && !outcome.quietJson) {
      process.stdout.write(`${JSON.stringify({ ...outcome.data, error: undefined, ...(outcome.error ? errorJson(outcome.error) : {}) }, null, 2)}\n`);
    } else {
      const text = await outcome.view();
      if (text) process.stdout.write(`${text}\n`);
    }
    if (controller.signal.aborted && !outcome.quietJson && !(outcome.ownsInterrupt && outcome.exitCode !== EXIT.interrupted)) {
      // The document above already says what was done; the notice goes to stderr only.
      await printError(new Interrupted('Interrupted.', 'What finished is listed above; run the same command again to continue.'), { ...options, json: false });
      return EXIT.interrupted;
    }
    if (outcome.error) await printError(outcome.error, { ...options, json: false });
    return outcome.exitCode;
  } catch (error) {
    reporter.end();
    const { toPocError } = await import('./aws/errors.js');
    // Ctrl-C at a question (the prompt library rejects with ExitPromptError) is a stop too.
    const stopped = controller.signal.aborted || (error instanceof Error && error.name === 'ExitPromptError');
    const pocError = stopped ? new Interrupted('Interrupted.', 'Nothing more was changed; run the same command again to continue.') : toPocError(error, 'poc');
    await printError(pocError, options, error);
    return pocError.exitCode;
  } finally {
    // After a Ctrl-C the handler stays: a command that ends within the relay window would
    // otherwise be killed by npx's relayed copy (default action) instead of exiting with its code.
    if (interrupts === 0) process.off('SIGINT', onSigint);
  }
}

async function printError(error: PocError, options: GlobalOptions, original?: unknown) {
  if (options.json) process.stdout.write(`${JSON.stringify(errorJson(error), null, 2)}\n`);
  const { wrap } = await import('./ui/format.js');
  const lines = [...wrap(error.message, 'Error: ', '  '), ...(error.hint ?? '').split('\n').flatMap((h) => (h.trim() ? wrap(h.trim(), /^\s+/.exec(h)?.[0] ?? '  ') : []))];
  process.stderr.write(`${lines.join('\n')}\n`);
  if (options.verbose && original instanceof Error && original.stack) process.stderr.write(`${original.stack}\n`);
}

/** A lab's try-it command, as the lab describes it; it runs with that lab. */
function addTryIt(program: Command, lab: Lab) {
  const t = lab.tryIt;
  const cmd = program.command(t.name).description(t.description);
  if (t.argument) cmd.argument(t.argument.syntax, t.argument.description);
  for (const o of t.options) {
    const option = new Option(o.flags, o.description);
    if (o.choices) option.choices(o.choices);
    if (o.default !== undefined) option.default(o.default);
    cmd.addOption(option);
  }
  withAwsOptions(cmd)
    .addHelpText('after', t.help)
    .action(async (...args: unknown[]) => {
      const [input, options] = t.argument ? args : [undefined, ...args];
      process.exitCode = await execute(options as GlobalOptions, async (opts, tools) => {
        const chosen = opts.lab ?? (process.env.POC_LAB || undefined);
        if (chosen !== undefined && chosen !== lab.id) {
          const other = selectLab(chosen);
          const { pocCommand } = await import('./suggest.js');
          throw new UsageError(`${t.name} tries out the ${lab.id} lab, not ${other.id}.`, `Leave out --lab (and POC_LAB) to try the ${lab.id} lab, or run \`${pocCommand({ ...opts, lab: other.id }, other.tryIt.name)}\`.`);
        }
        const stdin = async () => {
          const chunks: Buffer[] = [];
          for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
          return Buffer.concat(chunks).toString('utf8');
        };
        const chosenLab = { ...opts, lab: lab.id };
        const { tryItTools } = await import('./commands/context.js');
        return t.run(
          input,
          chosenLab,
          tryItTools(chosenLab, {
            onCall: tools.reporter.call,
            signal: tools.signal,
            progress: (text) => tools.reporter.info(`  ${text}`),
            stdin: process.stdin.isTTY ? undefined : stdin,
            confirm: tools.interactive && !opts.yes ? (await import('./ui/prompts.js')).prompts().confirm : undefined,
          }),
        );
      });
    });
}

/** poc class setup|status|check|cleanup: the same walks for every student (src/commands/class.ts). */
function addClass(program: Command) {
  const group = program
    .command('class')
    .description('a whole class in one account: build, grade and clean up every student’s lab at once')
    .addHelpText(
      'after',
      `
Students come from --students alice,bob or --roster FILE (one name a line, optionally
followed by the student's email; # comments). Without either, status, check and cleanup
work on every student's lab found in the account (by poc's tags, and by the lab's names
for labs built by hand in the console).

Examples:
  poc class setup --roster students.txt --to 3 --email "me+{student}@example.com"
  poc class check                       one grid: students x tasks
  poc class status --students alice,bob
  poc class cleanup --yes               everyone's lab, verified empty; run again to resume`,
    );
  const students = (cmd: Command) =>
    withAwsOptions(cmd.option('--students <names>', 'the class, comma-separated: alice,bob,carol').option('--roster <file>', 'the class from a file, one name a line (# comments)'));
  type Action = 'setup' | 'status' | 'check' | 'cleanup';
  const run = (action: Action) => async (options: GlobalOptions) => {
    process.exitCode = await execute(options, async (opts, tools) => {
      const cls = await import('./commands/class.js');
      const views = await import('./ui/class-view.js');
      const { studentReporters, paceWaitLine } = await import('./ui/class-progress.js');
      const deps = {
        reporter: tools.reporter,
        studentReporter: studentReporters(tools.reporter),
        onPaceWait: (wait: import('./aws/pacing.js').PaceWait) => tools.reporter.info(`… ${paceWaitLine(wait)}`),
        signal: tools.signal,
        onCall: tools.reporter.call,
      };
      if (action === 'cleanup') {
        const { prompts } = await import('./ui/prompts.js');
        const result = await cls.classCleanup(opts, { ...deps, confirm: tools.interactive ? prompts().confirm : undefined });
        return { data: result, view: () => views.classCleanupView(result, opts), exitCode: result.exitCode, ownsInterrupt: true };
      }
      const result = await (action === 'setup' ? cls.classSetup : action === 'status' ? cls.classStatus : cls.classCheck)(opts, deps);
      return { data: result, view: () => views.classGridView(result, opts), exitCode: result.exitCode };
    }, { startsLocal: action === 'setup' });
  };
  students(
    group
      .command('setup')
      .description('build (or repair) the labs of every student, e.g. tasks 1-3 so the class starts at task 4')
      .option('--email <address>', 'where notifications go; "{student}" is replaced by each name (a roster line may give its own)')
      .addOption(new Option('--runtime <runtime>', 'Lambda runtime of the functions (default: nodejs22.x for a new function; an existing one keeps its supported runtime)').choices(['nodejs22.x', 'nodejs24.x']))
      .option('--dry-run', 'only show what would be created or repaired')
      .option('--only <tasks>', 'run only these tasks, e.g. 1,2,3')
      .option('--from <task>', 'start at this task')
      .option('--to <task>', 'stop after this task'),
  ).action(run('setup'));
  students(group.command('status').description('one grid, students x tasks: present, missing or drifted (exit 3 unless all complete)')).action(run('status'));
  students(
    group
      .command('check')
      .description('one grid, students x tasks: passed, failed (with the first finding) or not started (exit 3 unless all pass)')
      .option('--email <address>', 'the address each lab should subscribe ("{student}" is replaced by each name)'),
  ).action(run('check'));
  students(
    group
      .command('cleanup')
      .description('delete every student’s lab, verified empty per student; Ctrl-C stops it, a second run finishes it')
      .option('--dry-run', 'only list what would be deleted, per student'),
  ).action(run('cleanup'));
}

/** poc local start|stop|status|inbox|confirm: the local AWS on this machine (src/commands/local.ts). */
function addLocal(program: Command) {
  const group = program
    .command('local')
    .description('a local AWS on this machine (moto, with the functions, their triggers, the API stage and an inbox): no account needed')
    .addHelpText(
      'after',
      `
Then add --local to any command:
  poc local start --detach
  poc setup --local --email you@example.com
  poc send-order '{"item":"latex gloves"}' --local --wait
  poc local confirm                     click the link of the confirmation mail
  poc local inbox --follow              the mails SNS would have sent
  poc cleanup --local --yes && poc local stop`,
    );
  group
    .command('start')
    .description('start it: in the foreground until Ctrl-C, or --detach')
    .option('--detach', 'run in the background; poc local stop ends it')
    .option('--port <n>', 'the AWS endpoint’s port on 127.0.0.1 (default: a free one)')
    .option('--stage-port <n>', 'the API stage’s port on 127.0.0.1 (default: a free one)')
    .option('--json', 'print where it runs as one JSON document')
    .option('--verbose', 'show full error details')
    .action(async (options) => {
      process.exitCode = await execute(options, async (opts, tools) => {
        const { localStart } = await import('./commands/local.js');
        const { localReadyView } = await import('./ui/local-view.js');
        const result = await localStart(opts, {
          say: (text) => tools.reporter.info(text),
          log: (text) => process.stderr.write(`${new Date().toISOString()} ${text}\n`),
          signal: tools.signal,
          ready: (state) => {
            process.stdout.write(opts.json ? `${JSON.stringify(state, null, 2)}\n` : `${localReadyView(state, opts.detach === true)}\n`);
          },
        });
        return { data: result.state, view: () => '', exitCode: result.exitCode, error: result.error, quietJson: true };
      });
    });
  group
    .command('stop')
    .description('stop it: exactly the processes it started')
    .option('--json', 'print one JSON document')
    .action(async (options) => {
      process.exitCode = await execute(options, async () => {
        const { localStop } = await import('./commands/local.js');
        const result = await localStop();
        return { data: result, view: () => (result.stopped ? `Stopped the local AWS (pid ${result.state!.pid}, moto pid ${result.state!.motoPid}).` : 'No local AWS runs.'), exitCode: 0 };
      });
    });
  group
    .command('status')
    .description('what runs, where, and how many functions, mappings and mails it holds (exit 3 when it does not run)')
    .option('--json', 'print one JSON document')
    .action(async (options) => {
      process.exitCode = await execute(options, async () => {
        const { localStatus } = await import('./commands/local.js');
        const { localStatusView } = await import('./ui/local-view.js');
        const result = await localStatus();
        return { data: result, view: () => localStatusView(result), exitCode: result.exitCode };
      });
    });
  group
    .command('inbox')
    .description('the mails SNS sent to email subscriptions: the confirmation mail, then each notification')
    .option('--follow', 'keep printing new mails until Ctrl-C')
    .option('--json', 'one JSON document (with --follow: one JSON line per mail)')
    .action(async (options) => {
      process.exitCode = await execute(options, async (opts, tools) => {
        const { localInbox } = await import('./commands/local.js');
        const { mailLine } = await import('./ui/local-view.js');
        const result = await localInbox(opts, {
          signal: tools.signal,
          print: (mails) => {
            for (const m of mails) process.stdout.write(`${opts.json ? JSON.stringify(m) : mailLine(m)}\n`);
          },
        });
        if (opts.follow) return { data: {}, view: () => '', exitCode: 0, quietJson: true };
        return { data: result, view: () => (result.mails.length ? result.mails.map(mailLine).join('\n') : 'The inbox is empty.'), exitCode: 0 };
      });
    });
  group
    .command('confirm')
    .description('confirm the pending email subscriptions, as clicking the link in their confirmation mail does')
    .argument('[address]', 'only this address’s (default: every pending one)')
    .option('--json', 'print one JSON document')
    .action(async (address, options) => {
      process.exitCode = await execute(options, async () => {
        const { localConfirm } = await import('./commands/local.js');
        const result = await localConfirm(address);
        return { data: result, view: () => result.confirmed.map((c) => `Confirmed ${c.to} to ${c.topicArn.split(':').pop()}`).join('\n'), exitCode: 0 };
      });
    });
}

/** "1-8": the lab's building tasks, for help texts. */
// Help is built before --lab is read: each text that depends on the lab names every lab.
const eachLab = (say: (lab: (typeof LABS)[number]) => string) => LABS.map((l) => `${l.id}: ${say(l)}`).join('; ');
const allTasks = (lab: (typeof LABS)[number]) => `${lab.tasks[0].number}-${lab.tasks[lab.tasks.length - 1].number}`;
const cleanupTask = (lab: (typeof LABS)[number]) => lab.tasks.find((t) => /clean ?up/i.test(t.title))?.number;

function taskRange(lab: (typeof LABS)[number]): string {
  const numbers = lab.tasks.filter((t) => t.builds).map((t) => t.number);
  return `${Math.min(...numbers)}-${Math.max(...numbers)}`;
}

export function buildProgram(): Command {
  const program = new Command('poc')
    .description(
      `Build, test, explain and tear down classic AWS serverless labs, one --lab at a time (${LABS.map((l) => l.id).join(', ')}).`,
    )
    .version('0.1.0')
    .showHelpAfterError('(run `poc --help` or `poc <command> --help` for usage)')
    .addHelpText(
      'after',
      `
The labs (--lab, or POC_LAB; the default is orders):
${LABS.map((l) => `  ${l.id.padEnd(10)} ${l.title}:\n  ${' '.repeat(10)} ${l.summary}`).join('\n')}

A workshop in four commands:
  poc setup --email you@example.com      the lab's building tasks, safe to run again
  poc send-order '{"item":"latex gloves","customerID":"12345"}'
  poc status                             what exists, what is missing or drifted
  poc cleanup                            nothing left behind
For the inventory lab add --lab inventory (or set POC_LAB=inventory) and try it with
  poc upload --lab inventory --wait

Exit codes: 0 done, 1 AWS or runtime failure (or a bug in poc), 2 bad usage
(nothing changed), 3 lab incomplete or drifted (status) or a task fails (check),
130 interrupted. Results go to stdout, progress and errors to stderr.`,
    );
  program.exitOverride();

  withAwsOptions(
    program
      .command('setup')
      .description(`build the tasks of the lab that make something (${LABS.map((l) => `${l.id}: ${taskRange(l)}`).join(', ')}), or repair what drifted; safe to run again`)
      .option('--email <address>', 'where the lab\'s notifications go (needed the first time)')
      .addOption(new Option('--runtime <runtime>', 'Lambda runtime of both functions (default: nodejs22.x for a new function; an existing one keeps its supported runtime)').choices(['nodejs22.x', 'nodejs24.x']))
      .option('--dry-run', 'only show what would be created or repaired')
      .option('--step', 'teaching mode: explain and plan each task, then ask continue / skip / quit')
      .option('--only <tasks>', 'run only these tasks, e.g. 3,4 or 3-5')
      .option('--from <task>', 'start at this task')
      .option('--to <task>', 'stop after this task'),
  )
    .addHelpText(
      'after',
      `
Examples:
  poc setup --email you@example.com
  poc setup --step                     explain, plan and ask before each task
  poc setup --only 3,4                 students built the rest by hand
  poc setup --prefix alice --email alice@example.com --region eu-west-1
  poc setup --dry-run`,
    )
    .action(async (options) => {
      process.exitCode = await execute(options, async (opts, tools) => {
        const { setup } = await import('./commands/setup.js');
        const { setupView } = await import('./ui/views.js');
        const { prompts } = await import('./ui/prompts.js');
        const ask = tools.interactive && !opts.yes ? prompts() : undefined;
        const result = await setup(opts, {
          reporter: tools.reporter,
          onCall: tools.reporter.call,
          signal: tools.signal,
          askEmail: ask?.askEmail,
          askStep: ask?.askStep,
          explain: async (task, ctx, lab) => (await import('./ui/views.js')).stepExplanation(task, ctx, lab, opts),
        });
        return { data: result, view: () => setupView(result, opts.dryRun === true, selectLab(opts.lab), opts), exitCode: result.exitCode, error: result.error };
      }, { startsLocal: true });
    });

  withAwsOptions(program.command('status').description('show every resource of the lab: present, missing or drifted (exit 3 unless complete)')).action(
    async (options) => {
      process.exitCode = await execute(options, async (opts, tools) => {
        const { status } = await import('./commands/status.js');
        const { statusView } = await import('./ui/views.js');
        const result = await status(opts, { onCall: tools.reporter.call, signal: tools.signal });
        return { data: result, view: () => statusView(result, opts), exitCode: result.exitCode, error: result.error };
      });
    },
  );

  withAwsOptions(
    program
      .command('check')
      .description('grade a lab built by hand in the console against the guide, task by task (exit 3 unless all pass)')
      .argument('[task...]', 'task numbers to check (those that build something); all when left out')
      .option('--email <address>', 'the address that should be subscribed (else any email subscription counts)'),
  )
    .addHelpText(
      'after',
      `
Findings (✖) mean the pipeline will not work as the lab needs; warnings (!) mean it
works, but there is a safer or stricter way, which the warning names.

Examples:
  poc check            every task
  poc check 3 5        just the queue and the stream
  poc check --json`,
    )
    .action(async (tasks: string[], options) => {
      process.exitCode = await execute(options, async (opts, tools) => {
        const { check } = await import('./commands/check.js');
        const { checkView } = await import('./ui/views.js');
        const result = await check(tasks, opts, { onCall: tools.reporter.call, signal: tools.signal });
        return { data: result, view: () => checkView(result), exitCode: result.exitCode };
      });
    });

  withAwsOptions(
    program
      .command('cleanup')
      .description(
        `delete everything the lab made (and what AWS made on the side), then check nothing is left (${LABS.map((l) => (cleanupTask(l) !== undefined ? `${l.id}: task ${cleanupTask(l)}` : `${l.id}: after its last task`)).join(', ')})`,
      )
      .option('--dry-run', 'only list what would be deleted'),
  )
    .addHelpText(
      'after',
      `
It asks before deleting when run at a terminal; elsewhere it needs --yes.
Only the resources named by the lab (within --prefix) are touched.

Examples:
  poc cleanup --dry-run
  poc cleanup --prefix alice --yes`,
    )
    .action(async (options) => {
      process.exitCode = await execute(options, async (opts, tools) => {
        const { cleanup } = await import('./commands/cleanup.js');
        const { cleanupView } = await import('./ui/views.js');
        const { prompts } = await import('./ui/prompts.js');
        const confirm = tools.interactive ? prompts().confirm : undefined;
        const { paceWaitLine } = await import('./ui/class-progress.js');
        const onPaceWait = (wait: import('./aws/pacing.js').PaceWait) => tools.reporter.info(`  … ${paceWaitLine(wait)}`);
        const result = await cleanup(opts, { reporter: tools.reporter, onCall: tools.reporter.call, signal: tools.signal, confirm, onPaceWait });
        return { data: result, view: () => cleanupView(result, opts), exitCode: result.exitCode, error: result.error, ownsInterrupt: true };
      });
    });

  addClass(program);
  addLocal(program);

  // Each lab's own "try it" command (send-order for the order lab), described by the lab.
  for (const lab of LABS) addTryIt(program, lab);

  withAwsOptions(
    program
      .command('logs')
      .description('show the functions’ CloudWatch logs, newest last')
      .argument('[function]', `a function by number or name (${eachLab((l) => l.functions.map((f, i) => `${i + 1} or ${f.baseName}`).join(', '))}); all of the lab's when left out`)
      .option('--since <duration>', 'how far back: 30s, 10m, 2h, 1d', '10m')
      .option('--follow', 'keep printing new lines until Ctrl-C'),
  ).action(async (fn, options) => {
    process.exitCode = await execute(options, async (opts, tools) => {
      const { logs } = await import('./commands/logs.js');
      const { logLine } = await import('./ui/views.js');
      const streaming = !opts.json || opts.follow;
      const result = await logs(fn, opts, {
        onCall: tools.reporter.call,
        signal: tools.signal,
        print: (lines) => {
          if (!streaming) return;
          for (const l of lines) process.stdout.write(`${opts.json ? JSON.stringify(l) : logLine(l)}\n`);
        },
        notice: (text) => tools.reporter.info(text),
      });
      // Interrupting --follow is how it ends: not an error.
      return { data: streaming ? {} : { lines: result.lines }, view: () => '', exitCode: result.exitCode, quietJson: streaming };
    });
  });

  withAwsOptions(program.command('tasks').description(`list the lab's tasks (${eachLab((l) => allTasks(l))}) and, with AWS credentials, how far each is in your account`)).action(
    async (options) => {
      process.exitCode = await execute(options, async (opts, tools) => {
        const { tasks, tasksJson } = await import('./commands/tasks.js');
        const { tasksView, noticeText } = await import('./ui/explain-view.js');
        const result = await tasks(opts, { onCall: tools.reporter.call, signal: tools.signal });
        if (result.notice) process.stderr.write(noticeText(result.notice));
        return { data: tasksJson(result), view: () => tasksView(result), exitCode: result.exitCode, error: result.error };
      });
    },
  );

  withAwsOptions(
    program
      .command('explain')
      .description('what a task builds and why, its console steps, its JSON and the equivalent aws CLI commands')
      .argument('[task]', `the task’s number (${eachLab((l) => allTasks(l))}; poc tasks lists them)`),
  )
    .addHelpText(
      'after',
      `
Works without an AWS account (ARNs then show <ACCOUNT_ID> and <REGION>).

Examples:
  poc explain 3
  poc explain 8 --prefix alice
  poc explain 1 --json | jq -r '.json["Lambda-Write-DynamoDB.json"]'`,
    )
    .action(async (task, options) => {
      process.exitCode = await execute(options, async (opts, tools) => {
        const { explain, explainJson } = await import('./commands/explain.js');
        const { explainView, noticeText } = await import('./ui/explain-view.js');
        const result = await explain(task, opts, { onCall: tools.reporter.call, signal: tools.signal });
        if (result.notice) process.stderr.write(noticeText(result.notice));
        return { data: explainJson(result), view: () => explainView(result), exitCode: result.exitCode };
      });
    });

  withAwsOptions(
    program
      .command('dashboard')
      .description('a live web page of the lab on this machine (127.0.0.1 only), until Ctrl-C')
      .option('--port <n>', 'listen on this port (default: a free one)')
      .option('--no-open', 'only print the URL; do not open it in the browser'),
  )
    .addHelpText(
      'after',
      `
AWS is read here, with your credentials; the page gets only what it shows.

Examples:
  poc dashboard
  poc dashboard --port 8080 --no-open`,
    )
    .action(async (options) => {
      process.exitCode = await execute(options, async (opts, tools) => {
        const { dashboard } = await import('./commands/dashboard.js');
        const result = await dashboard(opts, {
          onCall: tools.reporter.call,
          signal: tools.signal,
          notice: (text) => tools.reporter.warn(text),
          ready: (info) => {
            process.stdout.write(opts.json ? `${JSON.stringify(info, null, 2)}\n` : `${info.url}\n`);
            tools.reporter.info(`Dashboard of the ${info.view} lab at ${info.url} (Ctrl-C to stop)`);
            if (opts.open !== false && process.stdout.isTTY && !process.env.CI) void import('./dashboard/open-browser.js').then((m) => m.openBrowser(info.url, (t) => tools.reporter.warn(t)));
          },
        });
        // Ctrl-C is how it ends, as for logs --follow: not an error. The URL was the output.
        return { data: result, view: () => '', exitCode: result.exitCode, quietJson: true };
      });
    });

  return program;
}

export async function main(argv: string[]): Promise<number> {
  // `poc status | head` closes the pipe early: the reader has what it wanted, which is no
  // error of poc's (Node would otherwise die with an unhandled EPIPE and a stack trace).
  for (const stream of [process.stdout, process.stderr]) {
    stream.on('error', (error: NodeJS.ErrnoException) => {
      if (error.code === 'EPIPE') process.exit(process.exitCode ?? 0);
      throw error;
    });
  }
  const program = buildProgram();
  try {
    await program.parseAsync(argv);
    return Number(process.exitCode ?? 0);
  } catch (error) {
    if (error instanceof CommanderError) {
      if (error.code === 'commander.helpDisplayed' || error.code === 'commander.version' || error.code === 'commander.help') return EXIT.ok;
      return EXIT.usage;
    }
    throw error;
  }
}

// bin/poc.js calls main(); importing this module runs nothing, so that a test can parse a
// suggested command with the very program a user runs (test/helpers/hints.ts).

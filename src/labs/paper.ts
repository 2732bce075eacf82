// A lab on paper: its resources and what setup would make of each, for one account and
// region, computed without AWS. `poc explain` and `setup --step` read a lab's values from
// here, so an explanation always shows what `poc setup` makes.
import type { Arns } from '../aws/arns.js';
import type { Aws } from '../aws/clients.js';
import type { Ctx } from '../engine/resource.js';
import type { DesiredFunction } from '../resources/lambda-function.js';
import { pocRoot } from '../resources/function-package.js';
import { join } from 'node:path';
import { pocCommand, type Selection } from '../suggest.js';
import type { Lab, LabNames, LabPaper, LabParts, TaskExplanation } from './lab.js';

// The paper lab's shape is part of the lab contract (lab.ts), which a lab's explain() takes.
export type { LabPaper, TaskExplanation } from './lab.js';

/** An Aws that refuses: explaining never calls AWS. */
function noAws(region: string): Aws {
  const refuse = () => Promise.reject(new Error('explaining a task makes no AWS call'));
  return { region, calls: [], client: refuse, identity: refuse };
}

export function paperLab(lab: Lab, parts: LabParts, names: LabNames, arns: Arns, selection: Selection, runtime: string = lab.settings.defaultRuntime): LabPaper {
  const ctx: Ctx = {
    aws: noAws(arns.region),
    account: arns.account,
    region: arns.region,
    arns,
    names,
    settings: { runtime },
    tags: lab.tags(names.prefix),
    state: new Map(),
    reads: new Map(),
    note: () => {},
  };
  const resources = parts.resources(names, { account: arns.account, region: arns.region });
  const all = (type: string) => resources.filter((r) => r.type === type);
  return {
    names,
    arns,
    runtime,
    ctx,
    all,
    poc: (command) => pocCommand(selection, command),
    desired<D>(type: string, name?: string): D {
      const found = all(type).find((r) => name === undefined || r.name === name || r.name.startsWith(`${name} `));
      if (!found) throw new Error(`the ${lab.id} lab has no ${type}${name ? ` ${name}` : ''}`);
      return found.desired(ctx) as D;
    },
  };
}

/** The explanation of one task of a lab, on paper; the poc commands it names carry `selection`. */
export async function explainOnPaper(lab: Lab, task: number, names: LabNames, arns: Arns, selection: Selection, runtime?: string): Promise<TaskExplanation> {
  const parts = await lab.load();
  return parts.explain(task, paperLab(lab, parts, names, arns, selection, runtime));
}

/** What a task's explanation is made of, given the lab on paper. */
interface TaskText<P extends LabPaper> {
  why(lab: P): string;
  steps(lab: P): string[];
  cli(lab: P): string[];
}

/**
 * A standard SNS topic with an email subscription: the same task in every lab that tells
 * someone by email, in that lab's words.
 */
export function emailTopicTask<P extends LabPaper>(words: {
  /** Who publishes, e.g. the function's name. */
  publisher(lab: P): string;
  /** What it publishes, e.g. "each new order". */
  each: string;
  /** Who reads it today, e.g. "one email address". */
  today: string;
  /** Another subscriber it could have, e.g. "a warehouse's queue". */
  another: string;
  /** The messages, plural, e.g. "notifications". */
  messages: string;
}): TaskText<P> {
  const email = 'you@example.com';
  return {
    why: (lab) => {
      const n = lab.names;
      return `SNS fans out: ${words.publisher(lab)} publishes ${words.each} once to ${n.topic}, and SNS delivers it to every subscriber. Today that is ${words.today}; tomorrow it can also be a phone number, ${words.another} or another function, without changing the publisher. A standard topic is enough: ${words.messages} need no strict order.

An email subscription must be confirmed. AWS emails the address a link, and until it is clicked the subscription is "pending confirmation" and nothing is delivered to it, so nobody can subscribe someone else's inbox to a topic. Look in the spam folder too.`;
    },
    steps: ({ names: n }) => [
      `SNS > Topics > Create topic > Standard: name ${n.topic} > Create topic.`,
      `${n.topic} > Create subscription: protocol Email, endpoint your email address > Create subscription.`,
      'Open the email "AWS Notification - Subscription Confirmation" and click Confirm subscription.',
      `${n.topic} > Subscriptions: the status changes from Pending confirmation to Confirmed.`,
    ],
    cli: ({ names: n, arns }) => [
      `aws sns create-topic --name ${n.topic}`,
      `aws sns subscribe --topic-arn ${arns.topic(n.topic)} --protocol email --notification-endpoint ${email}`,
      `aws sns list-subscriptions-by-topic --topic-arn ${arns.topic(n.topic)}`,
    ],
  };
}

/** The last part of an ARN or path (a role's name, a handler's file). */
export const last = (arn: string) => arn.split('/').pop() ?? arn;
/** A value quoted for a POSIX shell. */
export const sh = (value: string) => `'${value.replace(/'/g, `'\\''`)}'`;
/** A runtime as the console names it ("Node.js 22.x"). */
export const runtimeLabel = (runtime: string) => runtime.replace(/^nodejs/, 'Node.js ');

/** A task that makes a function: its log group, the function and where its code comes from. */
export interface FunctionParts {
  fn: string;
  logGroup: string;
  /** The handler's source, without its extension (handlers/orders/lambda-1). */
  code: string;
  d: DesiredFunction;
  retentionDays: number;
}

export function functionParts(lab: LabPaper, fn: string, logGroup: string, code: string): FunctionParts {
  return {
    fn,
    logGroup,
    code,
    d: lab.desired<DesiredFunction>('lambda-function', fn),
    retentionDays: lab.desired<{ retentionDays: number }>('log-group', logGroup).retentionDays,
  };
}

/** The console steps that make the function; `upload` is the lab's step that puts its code in. */
export function functionSteps(p: FunctionParts, upload: string): string[] {
  const env = Object.entries(p.d.environment).map(([k, v]) => `${k} = ${v}`).join(', ');
  return [
    `CloudWatch > Log groups > Create log group: name ${p.logGroup}, retention ${p.retentionDays} days > Create.`,
    `Lambda > Functions > Create function > Author from scratch: name ${p.fn}, runtime ${runtimeLabel(p.d.runtime)}; Change default execution role > Use an existing role: ${last(p.d.role)} > Create function.`,
    upload,
    `Configuration > General configuration > Edit: timeout ${p.d.timeout} seconds, memory ${p.d.memory} MB > Save.`,
    `Configuration > Environment variables > Edit > Add: ${env} > Save.`,
  ];
}

/**
 * The package poc deploys for this handler, by its absolute path: a student's upload of it
 * is the same bytes (the same CodeSha256), so `poc status` sees the same code, and the path
 * works from any folder.
 */
export function packagePath(p: FunctionParts): string {
  return join(pocRoot(), 'dist', 'packages', `${p.code.replace(/^handlers\//, '')}.zip`);
}

/** The CLI that makes the function, from the package poc deploys. */
export function functionCli(p: FunctionParts): string[] {
  return [
    `aws logs create-log-group --log-group-name ${p.logGroup}`,
    `aws logs put-retention-policy --log-group-name ${p.logGroup} --retention-in-days ${p.retentionDays}`,
    `aws lambda create-function --function-name ${p.fn} --runtime ${p.d.runtime} --role ${p.d.role} --handler ${p.d.handler} --timeout ${p.d.timeout} --memory-size ${p.d.memory} --environment ${sh(JSON.stringify({ Variables: p.d.environment }))} --zip-file ${sh(`fileb://${packagePath(p)}`)}`,
    `aws lambda wait function-active-v2 --function-name ${p.fn}`,
  ];
}

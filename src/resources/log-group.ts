// A CloudWatch Logs group, made before its function so that it carries the lab's tags
// and a retention period: a log group Lambda makes by itself keeps logs (and bills) forever.
import { deletion, hasCode } from '../aws/errors.js';
import { reason, type Ctx, type Resource } from '../engine/resource.js';
import { consoleHome, enc } from './console-links.js';

export interface LogGroupSpec {
  key: string;
  task: number;
  name: string;
  retentionDays: number;
  beyondGuide?: string;
}

export interface ObservedLogGroup {
  arn: string;
  retentionDays?: number;
  storedBytes: number;
}

async function find(ctx: Ctx, name: string): Promise<ObservedLogGroup | undefined> {
  const logs = await ctx.aws.client('logs');
  const { logGroups = [] } = await logs.describeLogGroups({ logGroupNamePrefix: name });
  const group = logGroups.find((g) => g.logGroupName === name);
  if (!group) return undefined;
  return { arn: ctx.arns.logGroup(name), retentionDays: group.retentionInDays, storedBytes: group.storedBytes ?? 0 };
}

export function logGroup(spec: LogGroupSpec): Resource<{ retentionDays: number }, ObservedLogGroup> {
  return {
    key: spec.key,
    task: spec.task,
    type: 'log-group',
    name: spec.name,
    beyondGuide: spec.beyondGuide,
    needs: [],
    desired: () => ({ retentionDays: spec.retentionDays }),
    observe: (ctx) => find(ctx, spec.name),
    diff: (desired, observed) =>
      observed.retentionDays === desired.retentionDays ? [] : [reason('retention', `it keeps logs ${observed.retentionDays ? `${observed.retentionDays} days` : 'forever'}, want ${desired.retentionDays} days`)],
    async ensure(ctx, desired, observed) {
      const logs = await ctx.aws.client('logs');
      if (!observed) {
        try {
          await logs.createLogGroup({ logGroupName: spec.name, tags: ctx.tags });
        } catch (error) {
          // The function may have run and made it in between: that is the same group.
          if (!hasCode(error, 'ResourceAlreadyExistsException')) throw error;
        }
      }
      await logs.putRetentionPolicy({ logGroupName: spec.name, retentionInDays: desired.retentionDays });
      return { arn: ctx.arns.logGroup(spec.name), retentionDays: desired.retentionDays, storedBytes: observed?.storedBytes ?? 0 };
    },
    async destroy(ctx) {
      const logs = await ctx.aws.client('logs');
      return deletion(logs.deleteLogGroup({ logGroupName: spec.name }), 'ResourceNotFoundException');
    },
    check: (_ctx, desired, observed) => ({
      findings: [],
      warnings: observed.retentionDays === desired.retentionDays ? [] : [`${spec.name} keeps logs ${observed.retentionDays ? `${observed.retentionDays} days` : 'forever (and bills for them)'}; ${desired.retentionDays} days is plenty for a lab.`],
    }),
    id: (observed) => observed.arn,
    details: (observed) => ({ retentionDays: observed.retentionDays, storedBytes: observed.storedBytes }),
    summary: (observed) => `keeps ${observed.retentionDays} days`,
    consoleLink: (region) => `${consoleHome(region, 'cloudwatch')}/home?region=${region}#logsV2:log-groups/log-group/${enc(enc(spec.name))}`,
  };
}

export interface LogEvent {
  timestamp: number;
  message: string;
  stream: string;
  id: string;
}

/** The JSON a Lambda function logged on this line (the runtime writes "<time>\t<request>\t<level>\t<message>"), if any. */
export function loggedJson(message: string): Record<string, unknown> | undefined {
  const start = message.indexOf('{');
  if (start < 0) return undefined;
  try {
    return JSON.parse(message.slice(start)) as Record<string, unknown>;
  } catch {
    return undefined;
  }
}

/**
 * Log events of a group since startTime, oldest first; undefined when the group does not
 * exist (its function never ran and setup did not make it).
 */
export async function readLogEvents(ctx: Ctx, group: string, startTime: number, filterPattern?: string): Promise<LogEvent[] | undefined> {
  const logs = await ctx.aws.client('logs');
  const events: LogEvent[] = [];
  let nextToken: string | undefined;
  try {
    do {
      const page = await logs.filterLogEvents({ logGroupName: group, startTime, filterPattern, nextToken });
      for (const e of page.events ?? []) {
        events.push({ timestamp: e.timestamp ?? 0, message: (e.message ?? '').trimEnd(), stream: e.logStreamName ?? '', id: e.eventId ?? `${e.logStreamName}:${e.timestamp}:${e.message}` });
      }
      nextToken = page.nextToken;
    } while (nextToken);
  } catch (error) {
    if (hasCode(error, 'ResourceNotFoundException')) return undefined;
    throw error;
  }
  return events.sort((a, b) => a.timestamp - b.timestamp);
}

// An SNS standard topic, and the email subscription on it.
import { deletion, hasCode } from '../aws/errors.js';
import { allPages } from '../aws/pages.js';
import { UsageError } from '../errors.js';
import { forget, readOnce, reason, type Ctx, type Resource } from '../engine/resource.js';
import { consoleHome } from './console-links.js';

const topicLink = (region: string, arn: string | undefined) =>
  arn && arn.startsWith('arn:') ? `${consoleHome(region, 'sns')}/v3/home?region=${region}#/topic/${arn.split(':').slice(0, 6).join(':')}` : undefined;
import { tagList } from './tags.js';

const NOT_FOUND = ['NotFound', 'NotFoundException'];
const notFound = (error: unknown) => hasCode(error, ...NOT_FOUND);

export interface ObservedTopic {
  arn: string;
  confirmed: number;
  pending: number;
}

export function snsTopic(spec: { key: string; task: number; name: string }): Resource<Record<string, never>, ObservedTopic> {
  return {
    key: spec.key,
    task: spec.task,
    type: 'sns-topic',
    name: spec.name,
    needs: [],
    desired: () => ({}),
    async observe(ctx) {
      const sns = await ctx.aws.client('sns');
      try {
        const { Attributes = {} } = await sns.getTopicAttributes({ TopicArn: ctx.arns.topic(spec.name) });
        return {
          arn: Attributes.TopicArn ?? ctx.arns.topic(spec.name),
          confirmed: Number(Attributes.SubscriptionsConfirmed ?? 0),
          pending: Number(Attributes.SubscriptionsPending ?? 0),
        };
      } catch (error) {
        if (notFound(error)) return undefined;
        throw error;
      }
    },
    diff: () => [],
    async ensure(ctx) {
      const sns = await ctx.aws.client('sns');
      const { TopicArn } = await sns.createTopic({ Name: spec.name, Tags: tagList(ctx.tags) });
      return { arn: TopicArn!, confirmed: 0, pending: 0 };
    },
    async destroy(ctx) {
      // DeleteTopic succeeds on a missing topic, so whether there was one is looked up first.
      if (!(await this.observe(ctx))) return 'absent';
      const sns = await ctx.aws.client('sns');
      return deletion(sns.deleteTopic({ TopicArn: ctx.arns.topic(spec.name) }), ...NOT_FOUND);
    },
    id: (observed) => observed.arn,
    details: (observed) => ({ confirmedSubscriptions: observed.confirmed, pendingSubscriptions: observed.pending }),
    consoleLink: (region, observed) => topicLink(region, observed.arn),
  };
}

export interface Subscription {
  arn: string;
  protocol: string;
  endpoint: string;
  /** AWS lists an unconfirmed subscription with the ARN "PendingConfirmation". */
  pending: boolean;
}

/** The topic's subscriptions, read once per run (setup looks before it asks for --email, then walks). */
export function listSubscriptions(ctx: Ctx, topicArn: string): Promise<Subscription[] | undefined> {
  return readOnce(ctx, `sns:subscriptions:${topicArn}`, () => readSubscriptions(ctx, topicArn));
}

async function readSubscriptions(ctx: Ctx, topicArn: string): Promise<Subscription[] | undefined> {
  const [sns, { paginateListSubscriptionsByTopic }] = await Promise.all([ctx.aws.client('sns'), import('../aws/sdk/sns.js')]);
  let found: Subscription[];
  try {
    const listed = await allPages(paginateListSubscriptionsByTopic({ client: sns }, { TopicArn: topicArn }), (p) => p.Subscriptions);
    found = listed.map((s) => ({ arn: s.SubscriptionArn ?? '', protocol: s.Protocol ?? '', endpoint: s.Endpoint ?? '', pending: s.SubscriptionArn === 'PendingConfirmation' }));
  } catch (error) {
    if (notFound(error)) return undefined;
    throw error;
  }
  // A subscription made with ReturnSubscriptionArn has a real ARN while still pending.
  await Promise.all(
    found
      .filter((s) => !s.pending && s.arn.startsWith('arn:'))
      .map(async (s) => {
        try {
          const { Attributes = {} } = await sns.getSubscriptionAttributes({ SubscriptionArn: s.arn });
          s.pending = Attributes.PendingConfirmation === 'true';
        } catch (error) {
          if (!notFound(error)) throw error;
        }
      }),
  );
  return found;
}

export interface ObservedSubscription {
  subscriptions: Subscription[];
}

export function emailSubscription(spec: {
  key: string;
  task: number;
  topic: { key: string; name: string };
  /** What the address receives, in the lab's words (the order lab's "orders"). */
  receives?: string;
}): Resource<{ email?: string }, ObservedSubscription> {
  const matches = (s: Subscription, email?: string) => s.protocol === 'email' && (!email || s.endpoint.toLowerCase() === email.toLowerCase());
  return {
    key: spec.key,
    task: spec.task,
    type: 'sns-subscription',
    name: `${spec.topic.name} email subscription`,
    needs: [spec.topic.key],
    desired: (ctx) => ({ email: ctx.settings.email }),
    async observe(ctx) {
      const subs = await listSubscriptions(ctx, ctx.arns.topic(spec.topic.name));
      const email = (subs ?? []).filter((s) => s.protocol === 'email');
      return email.length ? { subscriptions: email } : undefined;
    },
    // Without --email any email subscription will do: status has no address to compare with.
    diff: (desired, observed) => (observed.subscriptions.some((s) => matches(s, desired.email)) ? [] : [reason('not-subscribed', `${desired.email} is not subscribed`)]),
    async ensure(ctx, desired, observed) {
      if (!desired.email) throw new UsageError('The topic has no email subscription yet.', 'Pass --email you@example.com to setup.');
      const sns = await ctx.aws.client('sns');
      forget(ctx, `sns:subscriptions:${ctx.arns.topic(spec.topic.name)}`);
      const { SubscriptionArn } = await sns.subscribe({
        TopicArn: ctx.arns.topic(spec.topic.name),
        Protocol: 'email',
        Endpoint: desired.email,
        ReturnSubscriptionArn: true,
      });
      ctx.note(
        ctx.aws.localStage
          ? `the local AWS put a confirmation mail to ${desired.email} in its inbox: confirm it to receive ${spec.receives ?? 'the notifications'}`
          : `AWS sent a confirmation email to ${desired.email}: click its link to receive ${spec.receives ?? 'the notifications'}`,
      );
      return { subscriptions: [...(observed?.subscriptions ?? []), { arn: SubscriptionArn ?? 'PendingConfirmation', protocol: 'email', endpoint: desired.email, pending: true }] };
    },
    async destroy(ctx) {
      const sns = await ctx.aws.client('sns');
      const subs = await listSubscriptions(ctx, ctx.arns.topic(spec.topic.name));
      if (!subs?.length) return 'absent';
      // Every subscription on the lab's topic goes (an SQS one made by send-order --wait too).
      // A pending one has no ARN to unsubscribe; it disappears with the topic.
      forget(ctx, `sns:subscriptions:${ctx.arns.topic(spec.topic.name)}`);
      for (const s of subs.filter((x) => x.arn.startsWith('arn:'))) {
        try {
          await sns.unsubscribe({ SubscriptionArn: s.arn });
        } catch (error) {
          if (!notFound(error)) throw error;
        }
      }
      return 'deleted';
    },
    check(_ctx, desired, observed) {
      const mine = observed.subscriptions.filter((s) => matches(s, desired.email));
      if (!mine.length) return { findings: [`${desired.email} is not subscribed to ${spec.topic.name}.`], warnings: [] };
      const confirmed = mine.filter((s) => !s.pending);
      return {
        findings: [],
        warnings: confirmed.length ? [] : [`${mine.map((s) => s.endpoint).join(', ')} has not confirmed the subscription yet: click the link in AWS's email, or no notification arrives.`],
      };
    },
    id: (observed) => observed.subscriptions[0]?.arn,
    summary: (observed) => observed.subscriptions.map((s) => `${s.endpoint} (${s.pending ? 'pending confirmation' : 'confirmed'})`).join(', '),
    consoleLink: (region, observed) => topicLink(region, observed.subscriptions[0]?.arn),
    details: (observed) => ({
      subscriptions: observed.subscriptions.map((s) => `${s.endpoint} (${s.pending ? 'pending confirmation' : 'confirmed'})`).join(', '),
      // The addresses that still have to click AWS's link, for the views that advise it.
      awaitingConfirmation: observed.subscriptions.filter((s) => s.pending).map((s) => s.endpoint).join(', ') || undefined,
    }),
  };
}

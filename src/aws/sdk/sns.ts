// SNS, with only the operations poc calls (why: aggregate.ts).
import type { SNS as Every } from '@aws-sdk/client-sns';
import { SNSClient, CreateTopicCommand, DeleteTopicCommand, GetSubscriptionAttributesCommand, GetTopicAttributesCommand, ListSubscriptionsByTopicCommand, ListTopicsCommand, SubscribeCommand, UnsubscribeCommand, paginateListSubscriptionsByTopic, paginateListTopics } from '@aws-sdk/client-sns';
import { aggregate, type Aggregated } from './aggregate.js';

const commands = { CreateTopicCommand, DeleteTopicCommand, GetSubscriptionAttributesCommand, GetTopicAttributesCommand, ListSubscriptionsByTopicCommand, ListTopicsCommand, SubscribeCommand, UnsubscribeCommand };
export const SNS = aggregate<SNS>(SNSClient, commands);
export type SNS = Aggregated<Every, SNSClient, typeof commands>;
// The SDK's paginators take this client (it is the bare client, with methods added).
export { paginateListSubscriptionsByTopic, paginateListTopics };

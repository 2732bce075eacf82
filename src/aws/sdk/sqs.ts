// SQS, with only the operations poc calls (why: aggregate.ts).
import type { SQS as Every } from '@aws-sdk/client-sqs';
import { SQSClient, CreateQueueCommand, DeleteQueueCommand, GetQueueAttributesCommand, GetQueueUrlCommand, ListQueuesCommand, ReceiveMessageCommand, SendMessageCommand, SetQueueAttributesCommand, paginateListQueues } from '@aws-sdk/client-sqs';
import { aggregate, type Aggregated } from './aggregate.js';

const commands = { CreateQueueCommand, DeleteQueueCommand, GetQueueAttributesCommand, GetQueueUrlCommand, ListQueuesCommand, ReceiveMessageCommand, SendMessageCommand, SetQueueAttributesCommand };
export const SQS = aggregate<SQS>(SQSClient, commands);
export type SQS = Aggregated<Every, SQSClient, typeof commands>;
// The SDK's paginators take this client (it is the bare client, with methods added).
export { paginateListQueues };

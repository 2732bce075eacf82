// CloudWatchLogs, with only the operations poc calls (why: aggregate.ts).
import type { CloudWatchLogs as Every } from '@aws-sdk/client-cloudwatch-logs';
import { CloudWatchLogsClient, CreateLogGroupCommand, DeleteLogGroupCommand, DescribeLogGroupsCommand, FilterLogEventsCommand, PutRetentionPolicyCommand, paginateDescribeLogGroups } from '@aws-sdk/client-cloudwatch-logs';
import { aggregate, type Aggregated } from './aggregate.js';

const commands = { CreateLogGroupCommand, DeleteLogGroupCommand, DescribeLogGroupsCommand, FilterLogEventsCommand, PutRetentionPolicyCommand };
export const CloudWatchLogs = aggregate<CloudWatchLogs>(CloudWatchLogsClient, commands);
export type CloudWatchLogs = Aggregated<Every, CloudWatchLogsClient, typeof commands>;
// The SDK's paginators take this client (it is the bare client, with methods added).
export { paginateDescribeLogGroups };

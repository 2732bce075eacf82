// DynamoDB, with only the operations poc calls (why: aggregate.ts).
import type { DynamoDB as Every } from '@aws-sdk/client-dynamodb';
import { DynamoDBClient, BatchGetItemCommand, CreateTableCommand, DeleteTableCommand, DescribeTableCommand, GetItemCommand, ListTablesCommand, ScanCommand, UpdateTableCommand, waitUntilTableExists, waitUntilTableNotExists, paginateListTables } from '@aws-sdk/client-dynamodb';
import { aggregate, type Aggregated } from './aggregate.js';

const commands = { BatchGetItemCommand, CreateTableCommand, DeleteTableCommand, DescribeTableCommand, GetItemCommand, ListTablesCommand, ScanCommand, UpdateTableCommand };
export const DynamoDB = aggregate<DynamoDB>(DynamoDBClient, commands);
export type DynamoDB = Aggregated<Every, DynamoDBClient, typeof commands>;
export { waitUntilTableExists, waitUntilTableNotExists };
// The SDK's paginators take this client (it is the bare client, with methods added).
export { paginateListTables };

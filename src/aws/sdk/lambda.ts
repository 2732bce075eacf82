// Lambda, with only the operations poc calls (why: aggregate.ts).
import type { Lambda as Every } from '@aws-sdk/client-lambda';
import { LambdaClient, AddPermissionCommand, CreateEventSourceMappingCommand, CreateFunctionCommand, DeleteEventSourceMappingCommand, DeleteFunctionCommand, GetEventSourceMappingCommand, GetFunctionConfigurationCommand, GetPolicyCommand, ListEventSourceMappingsCommand, ListFunctionsCommand, RemovePermissionCommand, UpdateEventSourceMappingCommand, UpdateFunctionCodeCommand, UpdateFunctionConfigurationCommand, waitUntilFunctionActiveV2, waitUntilFunctionUpdatedV2, paginateListEventSourceMappings, paginateListFunctions } from '@aws-sdk/client-lambda';
import { aggregate, type Aggregated } from './aggregate.js';

const commands = { AddPermissionCommand, CreateEventSourceMappingCommand, CreateFunctionCommand, DeleteEventSourceMappingCommand, DeleteFunctionCommand, GetEventSourceMappingCommand, GetFunctionConfigurationCommand, GetPolicyCommand, ListEventSourceMappingsCommand, ListFunctionsCommand, RemovePermissionCommand, UpdateEventSourceMappingCommand, UpdateFunctionCodeCommand, UpdateFunctionConfigurationCommand };
export const Lambda = aggregate<Lambda>(LambdaClient, commands);
export type Lambda = Aggregated<Every, LambdaClient, typeof commands>;
export { waitUntilFunctionActiveV2, waitUntilFunctionUpdatedV2 };
// The SDK's paginators take this client (it is the bare client, with methods added).
export { paginateListEventSourceMappings, paginateListFunctions };

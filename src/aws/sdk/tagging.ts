// ResourceGroupsTaggingAPI, with only the operations poc calls (why: aggregate.ts).
import type { ResourceGroupsTaggingAPI as Every } from '@aws-sdk/client-resource-groups-tagging-api';
import { ResourceGroupsTaggingAPIClient, GetResourcesCommand, paginateGetResources } from '@aws-sdk/client-resource-groups-tagging-api';
import { aggregate, type Aggregated } from './aggregate.js';

const commands = { GetResourcesCommand };
export const ResourceGroupsTaggingAPI = aggregate<ResourceGroupsTaggingAPI>(ResourceGroupsTaggingAPIClient, commands);
export type ResourceGroupsTaggingAPI = Aggregated<Every, ResourceGroupsTaggingAPIClient, typeof commands>;
// The SDK's paginators take this client (it is the bare client, with methods added).
export { paginateGetResources };

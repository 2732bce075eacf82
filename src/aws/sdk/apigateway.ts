// APIGateway, with only the operations poc calls (why: aggregate.ts).
import type { APIGateway as Every } from '@aws-sdk/client-api-gateway';
import { APIGatewayClient, CreateDeploymentCommand, CreateModelCommand, CreateRequestValidatorCommand, CreateResourceCommand, CreateRestApiCommand, DeleteMethodCommand, DeleteRequestValidatorCommand, DeleteRestApiCommand, GetModelsCommand, GetRequestValidatorsCommand, GetResourcesCommand, GetRestApisCommand, GetStagesCommand, PutIntegrationCommand, PutIntegrationResponseCommand, PutMethodCommand, PutMethodResponseCommand, UpdateModelCommand, paginateGetRestApis } from '@aws-sdk/client-api-gateway';
import { aggregate, type Aggregated } from './aggregate.js';

const commands = { CreateDeploymentCommand, CreateModelCommand, CreateRequestValidatorCommand, CreateResourceCommand, CreateRestApiCommand, DeleteMethodCommand, DeleteRequestValidatorCommand, DeleteRestApiCommand, GetModelsCommand, GetRequestValidatorsCommand, GetResourcesCommand, GetRestApisCommand, GetStagesCommand, PutIntegrationCommand, PutIntegrationResponseCommand, PutMethodCommand, PutMethodResponseCommand, UpdateModelCommand };
export const APIGateway = aggregate<APIGateway>(APIGatewayClient, commands);
export type APIGateway = Aggregated<Every, APIGatewayClient, typeof commands>;
// The SDK's paginators take this client (it is the bare client, with methods added).
export { paginateGetRestApis };

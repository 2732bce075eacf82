// STS, with only the operations poc calls (why: aggregate.ts).
import type { STS as Every } from '@aws-sdk/client-sts';
import { STSClient, GetCallerIdentityCommand } from '@aws-sdk/client-sts';
import { aggregate, type Aggregated } from './aggregate.js';

const commands = { GetCallerIdentityCommand };
export const STS = aggregate<STS>(STSClient, commands);
export type STS = Aggregated<Every, STSClient, typeof commands>;

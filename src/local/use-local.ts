// --local: the run's AWS is the local AWS on this machine (poc local start). Its endpoint
// comes from the state file, its credentials are the emulator's fake ones, its region is
// --region or us-east-1. setup starts it (detached) when none runs; every other command
// says how to start it.
import { UsageError } from '../errors.js';
import type { GlobalOptions } from '../commands/context.js';
import { pocCommand, setupCommand } from '../suggest.js';
import { readState, type LocalState } from './state.js';
import { lambdaNode } from './lambda-node.js';

export const LOCAL_REGION = 'us-east-1';

export async function useLocal(options: GlobalOptions, how: { start: boolean; say: (text: string) => void }): Promise<LocalState> {
  if (options.endpointUrl !== undefined) throw new UsageError('--local and --endpoint-url both say where AWS is.', 'Keep one: --local for the local AWS on this machine (poc local start), --endpoint-url for another emulator.');
  if (options.profile !== undefined) throw new UsageError('--local uses the local AWS’s own credentials; --profile names an AWS account.', 'Leave out --profile with --local (or --local to use your AWS account).');
  let state = readState();
  if (!state) {
    if (!how.start) {
      throw new UsageError('No local AWS runs on this machine.', `Start it with \`poc local start --detach\` (or \`${pocCommand(options, setupCommand(options, true))}\`, which starts it), then run the same command again.`);
    }
    lambdaNode();
    how.say('Starting the local AWS (poc local start --detach)…');
    const { startDetached } = await import('./detach.js');
    state = await startDetached({ say: how.say });
  }
  options.endpointUrl = state.endpoint;
  // Not an option of the run: suggestions carry --local, not the region it stands for.
  if (!options.region) process.env.AWS_REGION = LOCAL_REGION;
  options.localStage = state.stageUrl;
  // The emulator takes any signature; these keep the SDK from looking for a real account's keys.
  process.env.AWS_ACCESS_KEY_ID = 'testing';
  process.env.AWS_SECRET_ACCESS_KEY = 'testing';
  delete process.env.AWS_SESSION_TOKEN;
  delete process.env.AWS_PROFILE;
  delete process.env.AWS_DEFAULT_REGION;
  return state;
}

// A named profile that does not exist: the SDK only says "could not load credentials" or
// "region is missing"; poc names the profile and the files it looked in.
import { readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { UsageError } from '../errors.js';

function sections(path: string, config: boolean): string[] {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    return [];
  }
  const names: string[] = [];
  for (const m of text.matchAll(/^\s*\[\s*([^\]]+?)\s*\]/gm)) {
    const header = m[1];
    // In the config file a profile's section is [profile NAME], except [default].
    if (config) {
      if (header === 'default') names.push('default');
      else if (header.startsWith('profile ')) names.push(header.slice('profile '.length).trim());
    } else names.push(header);
  }
  return names;
}

/** A named profile that is in neither shared file: bad input, but commands that can do without an account (tasks, explain) say less instead. */
export class MissingProfile extends UsageError {}

/** Throws a MissingProfile (a UsageError) when `profile` is in neither the shared config nor the credentials file. */
export function checkProfile(profile: string | undefined, fromOption: boolean): void {
  if (!profile) return;
  const configFile = process.env.AWS_CONFIG_FILE || join(homedir(), '.aws', 'config');
  const credentialsFile = process.env.AWS_SHARED_CREDENTIALS_FILE || join(homedir(), '.aws', 'credentials');
  const known = [...new Set([...sections(configFile, true), ...sections(credentialsFile, false)])];
  if (known.includes(profile)) return;
  throw new MissingProfile(
    `${fromOption ? '--profile' : 'AWS_PROFILE'} "${profile}" is not a profile in ${configFile} or ${credentialsFile}.`,
    known.length
      ? `Profiles there: ${known.join(', ')}. Pick one of them, or create it with \`aws configure --profile ${profile}\` (or \`aws configure sso --profile ${profile}\`).`
      : `Create it with \`aws configure --profile ${profile}\` (or \`aws configure sso --profile ${profile}\`), or leave ${fromOption ? '--profile' : 'AWS_PROFILE'} out to use your environment's credentials.`,
  );
}

/** Keeps the SDK's own warnings (e.g. "Multiple credential sources detected") off the user's screen. */
export const quietLogger = { debug() {}, info() {}, warn() {}, error() {}, trace() {} };

// The SDK's aggregated clients (`new IAM()`, with a method per operation) bring every
// operation of their service: IAM's has 180, poc calls 25. A bundle keeps only what is
// imported, so each module here builds the same kind of client from the bare one and the
// commands poc calls (the SDK's own createAggregatedClient). The seven clients of a lab's
// walk load ~35 ms faster that way, and a command's CPU-bound start-up takes ~60 ms less
// (figures in the commit). A method missing from a list is a type error, not a surprise at
// run time.
import { createAggregatedClient } from '@smithy/core/client';

/** `GetRoleCommand` -> `getRole`. */
type MethodOf<K> = K extends `${infer Name}Command` ? Uncapitalize<Name> : never;

/** The bare client with the aggregated client's methods for these commands only. */
export type Aggregated<Every, Bare, Commands> = Bare & Pick<Every, Extract<MethodOf<keyof Commands>, keyof Every>>;

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Constructor = new (...args: any[]) => object;

/** A client class like the SDK's aggregated one (`Result`), with a method for each of `commands`. */
export function aggregate<Result>(Client: Constructor, commands: Record<string, unknown>): new (config: Record<string, unknown>) => Result {
  const Aggregate = class extends Client {};
  createAggregatedClient(commands as never, Aggregate as never);
  return Aggregate as unknown as new (config: Record<string, unknown>) => Result;
}

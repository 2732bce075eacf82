// The labs' try-it code as the CLI runs it (src/cli.ts, addTryIt): the command layer's
// tryItTools opens the session, with the run's options and deps, when the lab asks for it.
import { tryItTools, type Deps, type GlobalOptions } from '../../src/commands/context.js';
import type { TryItTools } from '../../src/labs/lab.js';
import * as orders from '../../src/labs/orders/send-order.js';
import * as inventory from '../../src/labs/inventory/upload.js';

/** What a test may hand the command layer: the deps of any command (aws, onCall...) and the try-it tools but the session. */
export type SendOrderDeps = Deps & Omit<TryItTools, 'session' | 'suggest'>;
export type SendOrderOptions = orders.SendOrderOptions & GlobalOptions;
export type UploadOptions = inventory.UploadOptions & GlobalOptions;

export const sendOrder = (input: string | undefined, options: SendOrderOptions, deps: SendOrderDeps = {}) => orders.sendOrder(input, options, tryItTools(options, deps));
export const upload = (paths: string[], options: UploadOptions, deps: SendOrderDeps = {}) => inventory.upload(paths, options, tryItTools(options, deps));

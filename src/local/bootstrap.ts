// The code of one execution environment, as the Lambda Node.js runtime's loop does it:
// load the module the handler string names (.js, .mjs, .cjs) once, then for each event the
// parent sends, call the handler with a context and send back its result or its error.
// console.* lines carry the time, request id and level, as in Lambda's log. Written out to
// the runtime folder as bootstrap.mjs (it must run outside poc, with nothing but Node).
export const BOOTSTRAP = `import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { format } from 'node:util';

const taskRoot = process.env.LAMBDA_TASK_ROOT;
const handlerString = process.env._HANDLER;
let requestId;
for (const [name, level] of [['log', 'INFO'], ['info', 'INFO'], ['warn', 'WARN'], ['error', 'ERROR'], ['debug', 'DEBUG'], ['trace', 'TRACE']]) {
  console[name] = (...args) => process.stdout.write(new Date().toISOString() + '\\t' + (requestId ?? 'undefined') + '\\t' + level + '\\t' + format(...args).replace(/\\n/g, '\\r') + '\\n');
}
const errorOf = (error) => ({
  errorType: error?.name ?? typeof error,
  errorMessage: error?.message ?? String(error),
  stack: typeof error?.stack === 'string' ? error.stack.split('\\n') : [],
});

let handler;
async function load() {
  const dot = handlerString.lastIndexOf('.');
  const modulePath = handlerString.slice(0, dot);
  const exportName = handlerString.slice(dot + 1);
  const file = ['.js', '.mjs', '.cjs'].map((ext) => join(taskRoot, modulePath + ext)).find((f) => existsSync(f));
  if (!file) throw Object.assign(new Error("Cannot find module '" + modulePath + "'"), { name: 'Runtime.ImportModuleError' });
  const mod = await import(pathToFileURL(file).href);
  const fn = mod[exportName] ?? mod.default?.[exportName];
  if (typeof fn !== 'function') throw Object.assign(new Error(handlerString + ' is undefined or not exported'), { name: 'Runtime.HandlerNotFound' });
  return fn;
}

process.on('message', async ({ id, event, deadline }) => {
  requestId = id;
  const context = {
    functionName: process.env.AWS_LAMBDA_FUNCTION_NAME,
    functionVersion: process.env.AWS_LAMBDA_FUNCTION_VERSION,
    invokedFunctionArn: process.env.POC_FUNCTION_ARN,
    memoryLimitInMB: process.env.AWS_LAMBDA_FUNCTION_MEMORY_SIZE,
    awsRequestId: id,
    logGroupName: process.env.AWS_LAMBDA_LOG_GROUP_NAME,
    logStreamName: process.env.AWS_LAMBDA_LOG_STREAM_NAME,
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
    callbackWaitsForEmptyEventLoop: true,
  };
  try {
    handler ??= await load();
    const result = await handler(event, context);
    process.send({ id, result: result === undefined ? null : result });
  } catch (error) {
    process.send({ id, error: errorOf(error) });
  }
});
process.on('unhandledRejection', (error) => {
  process.stdout.write(new Date().toISOString() + '\\t' + requestId + '\\tERROR\\tUnhandled Promise Rejection \\t' + JSON.stringify(errorOf(error)) + '\\n');
  process.exit(128);
});
process.send({ ready: true });
`;

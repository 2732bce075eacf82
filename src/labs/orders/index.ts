// The order-pipeline lab as one value (see ../lab.ts). This file stays light: poc's
// start-up reads it for --lab and the help texts; the resources and the explanations
// load when a command needs them.
import { labTags, type Lab, type LabNames as Names } from '../lab.js';
import { labNames, MAX_PREFIX_LENGTH, SAMPLE_ORDER, type LabNames } from './names.js';


export const TASKS = [
  { number: 1, title: 'IAM policies and roles', builds: true },
  { number: 2, title: 'DynamoDB table', builds: true },
  { number: 3, title: 'SQS queue', builds: true },
  { number: 4, title: 'First function and its SQS trigger', builds: true },
  { number: 5, title: 'DynamoDB stream', builds: true },
  { number: 6, title: 'SNS topic and email subscription', builds: true },
  { number: 7, title: 'Second function and its stream trigger', builds: true },
  { number: 8, title: 'REST API', builds: true },
  { number: 9, title: 'Test the pipeline', builds: false, hint: `send-order '${SAMPLE_ORDER}' --wait` },
  { number: 10, title: 'Clean up', builds: false, hint: 'cleanup' },
];

export const RUNTIMES = ['nodejs22.x', 'nodejs24.x'] as const;
export const DEFAULT_RUNTIME = 'nodejs22.x';

const order = (names: Names) => names as LabNames;

export const ordersLab: Lab = {
  id: 'orders',
  title: 'Serverless order pipeline',
  summary: 'API Gateway -> SQS -> Lambda -> DynamoDB -> Streams -> Lambda -> SNS email',
  tasks: TASKS,
  names: (prefix) => labNames(prefix),
  maxPrefixLength: MAX_PREFIX_LENGTH,
  settings: {
    runtimes: RUNTIMES,
    defaultRuntime: DEFAULT_RUNTIME,
    email: {
      receives: 'order notifications',
      prompt: 'Email address for order notifications:',
      missing: 'setup needs an email address for the order notifications.',
    },
  },
  clients: ['iam', 'apigateway', 'sqs', 'sns', 'lambda', 'logs', 'dynamodb'],
  tags: (prefix) => labTags('orders', prefix),
  outputs: [{ key: 'apiUrl', label: 'Orders API', type: 'rest-api', detail: 'url' }],
  functions: [
    { baseName: 'POC-Lambda-1', role: 'queue -> table', name: (n) => order(n).function1, logGroup: (n) => order(n).logGroup1 },
    { baseName: 'POC-Lambda-2', role: 'stream -> topic', name: (n) => order(n).function2, logGroup: (n) => order(n).logGroup2 },
  ],
  tryIt: {
    name: 'send-order',
    description: 'task 9: send an order in at the API (or the queue) and optionally follow it to the notification',
    argument: { syntax: '[order]', description: 'the order as JSON, or - to read it from standard input' },
    options: [
      { flags: '--file <path>', description: 'read the order from a JSON file' },
      { flags: '--via <path>', description: 'where to send it: the deployed API, or straight to the queue', choices: ['api', 'queue'], default: 'api' },
      { flags: '--count <n>', description: 'send n orders (each gets a "sequence" number) and print a summary' },
      { flags: '--concurrency <n>', description: 'with --count: how many to send at once', default: '8' },
      { flags: '--wait', description: 'follow the order hop by hop to the notification' },
      { flags: '--timeout <seconds>', description: 'with --wait: how long to follow it (default: 90)' },
      { flags: '--api-url <url>', description: 'send to this URL instead of the lab API’s invoke URL' },
    ],
    help: `
Examples:
  poc send-order '{"item":"latex gloves","customerID":"12345"}' --wait
  poc send-order --file order.json
  echo '{"item":"mop"}' | poc send-order -
  poc send-order '{"item":"sponge"}' --count 100 --via queue`,
    exampleLabel: 'Send one',
    example: `send-order '${SAMPLE_ORDER}'`,
    emulatorExtra: '--via queue',
    async run(input, options, tools) {
      const { sendOrder } = await import('./send-order.js');
      const { sendOrderView } = await import('./send-order-view.js');
      const result = await sendOrder(input as string | undefined, options, tools);
      return { data: result, view: () => sendOrderView(result), exitCode: result.exitCode, error: result.error };
    },
  },
  async load() {
    const [{ orderLabResources }, { explainTask }] = await Promise.all([import('./order-lab.js'), import('./explanations.js')]);
    return {
      resources: (names) => orderLabResources(order(names)),
      explain: (task, paper) => explainTask(task, paper as import('./explanations.js').LabPaper),
      dashboard: async (_names, resources) => (await import('./dashboard-view.js')).orderView(resources),
    };
  },
};

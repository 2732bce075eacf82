// The inventory-tracking lab (the course's "Implementing a Serverless Architecture on
// AWS") as one value (see ../lab.ts). This file stays light: poc's start-up reads it for
// --lab and the help texts; the resources, explanations and the upload command load on use.
import { labTags, type Lab, type LabNames } from '../lab.js';
import { inventoryNames, MAX_PREFIX_LENGTH, type InventoryNames } from './names.js';

export const TASKS = [
  { number: 0, title: 'Lab environment', builds: true },
  { number: 1, title: 'Load-Inventory function', builds: true },
  { number: 2, title: 'S3 bucket and event', builds: true },
  { number: 3, title: 'Test loading', builds: false, hint: 'upload --wait' },
  { number: 4, title: 'SNS topic and email subscription', builds: true },
  { number: 5, title: 'Check-Stock function and its stream trigger', builds: true },
  { number: 6, title: 'Test end to end', builds: false, hint: 'upload --wait' },
];

export const RUNTIMES = ['nodejs22.x', 'nodejs24.x'] as const;
export const DEFAULT_RUNTIME = 'nodejs22.x';

const inventory = (names: LabNames) => names as unknown as InventoryNames;

export const inventoryLab: Lab = {
  id: 'inventory',
  title: 'Serverless inventory tracking',
  summary: 'S3 upload -> Lambda Load-Inventory -> DynamoDB -> Streams -> Lambda Check-Stock -> SNS email',
  tasks: TASKS,
  names: (prefix) => inventoryNames(prefix) as unknown as LabNames,
  maxPrefixLength: MAX_PREFIX_LENGTH,
  settings: {
    runtimes: RUNTIMES,
    defaultRuntime: DEFAULT_RUNTIME,
    email: {
      receives: 'out-of-stock alerts',
      prompt: 'Email address for out-of-stock alerts:',
      missing: 'setup needs an email address for the out-of-stock alerts.',
    },
  },
  clients: ['iam', 's3', 'sns', 'lambda', 'logs', 'dynamodb'],
  tags: (prefix) => labTags('inventory', prefix),
  outputs: [{ key: 'bucket', label: 'Upload bucket', type: 's3-bucket', detail: 'bucket' }],
  functions: [
    { baseName: 'Load-Inventory', role: 'bucket -> table', name: (n) => inventory(n).loadFunction, logGroup: (n) => inventory(n).loadLogGroup },
    { baseName: 'Check-Stock', role: 'stream -> topic', name: (n) => inventory(n).checkFunction, logGroup: (n) => inventory(n).checkLogGroup },
  ],
  tryIt: {
    name: 'upload',
    description: 'tasks 3 and 6: upload inventory files to the lab bucket and optionally follow each to its items and alerts',
    argument: { syntax: '[file...]', description: 'CSV files of store,item,count (default: the course’s six sample files)' },
    options: [
      { flags: '--wait', description: 'follow each file hop by hop: stored, loaded, items in the table, alerts sent' },
      { flags: '--timeout <seconds>', description: 'with --wait: how long to follow them (default: 90)' },
    ],
    help: `
Examples:
  poc upload --lab inventory --wait              the six sample files, followed to the alerts
  poc upload berlin.csv --lab inventory
  POC_LAB=inventory poc upload stock/*.csv --wait

Uploading a file again whose counts did not change writes nothing new to the table's
stream, so Check-Stock is not called and no alert is sent for a count already at 0.`,
    exampleLabel: 'Upload',
    example: 'upload --wait',
    async run(input, options, tools) {
      const { upload } = await import('./upload.js');
      const { uploadView } = await import('./upload-view.js');
      const files = Array.isArray(input) ? (input as string[]) : input === undefined ? [] : [String(input)];
      const result = await upload(files, options, tools);
      return { data: result, view: () => uploadView(result), exitCode: result.exitCode, error: result.error };
    },
  },
  async load() {
    const [{ inventoryLabResources }, { explainTask }] = await Promise.all([import('./inventory-lab.js'), import('./explanations.js')]);
    return {
      resources: (names, place) => inventoryLabResources(inventory(names), place),
      explain: (task, paper) => explainTask(task, paper as import('./explanations.js').LabPaper),
      dashboard: async (names) => (await import('./dashboard-view.js')).inventoryView({ table: inventory(names).table }),
    };
  },
};

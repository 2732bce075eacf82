// A command's critical-path floor under a profile (test/helpers/aws-profile.ts): the longest
// chain of round trips and AWS's waits that the lab's dependencies force, along poc's own
// graph (each resource's `needs`). No tool building the same lab with the same dependencies
// can finish sooner; the benchmark compares poc's wall time with it and prints the chain.
//
// What each kind costs, in round trips (calls one after the other) and then AWS's wait
// before a dependent may use it:
//   policy 1 RT, then attachable; role 2 RT (CreateRole; its policies attached together),
//   then usable by Lambda; table 1 RT, then ACTIVE; stream 1 RT, then ACTIVE again; function
//   1 RT, then Active; trigger 1 RT, then Enabled; queue, topic, subscription 1 RT; log
//   group 2 RT (create, retention); permission 1 RT, then visible to S3; bucket 3 RT; the
//   REST API 13 RT (API Gateway makes one change to an API at a time: API, model, validator,
//   resource, method, three method responses, integration, three integration responses,
//   the validator read back and the deployment; the integration not before its queue and role exist).
// A command starts with 2 RT (the account's id, then one round of reads) and ends when
// every resource is done and what poc waits for (table, function, trigger, stream) is ready.
// Cleanup deletes a resource after everything that needs it: 1 RT each, a role 2 (its
// policies detached, then the role); a resource that goes with another (the stream with its
// table) costs nothing of its own, and what needs it comes before that other one.
import { ordersLab } from '../src/labs/orders/index.js';
import type { AwsProfile } from '../test/helpers/aws-profile.js';

export interface GraphNode {
  key: string;
  type: string;
  needs: string[];
  goesWith?: string;
}

/** The orders lab's resources and their needs: the graph the floors walk. */
export async function ordersGraph(): Promise<GraphNode[]> {
  const { resources } = await ordersLab.load();
  return resources(ordersLab.names(''), { account: '123456789012', region: 'us-east-1' }).map((r) => ({ key: r.key, type: r.type, needs: r.needs, goesWith: r.goesWith }));
}

export interface Floor {
  ms: number;
  /** The longest chain, first to last: "key (what it costs)". */
  chain: string[];
  /** Setup: when each resource's last call is answered at the soonest (ms), by key. */
  done?: Map<string, number>;
}

interface Cost {
  rt: number;
  /** ms after its calls before a dependent may use it. */
  waitMs: number;
  waitFor?: string;
  /** poc itself waits for it to be ready before the command ends. */
  awaited?: boolean;
}

function setupCost(type: string, p: AwsProfile, scale: number): Cost {
  const s = (x: number) => x * 1000 * scale;
  switch (type) {
    case 'iam-policy':
      return { rt: 1, waitMs: s(p.seconds.policyAttachable), waitFor: 'attachable' };
    case 'iam-role':
      return { rt: 2, waitMs: s(p.seconds.roleUsable), waitFor: 'usable by Lambda' };
    case 'dynamodb-table':
      return { rt: 1, waitMs: s(p.seconds.tableCreating), waitFor: 'ACTIVE', awaited: true };
    case 'dynamodb-stream':
      return { rt: 1, waitMs: s(p.seconds.tableUpdating), waitFor: 'ACTIVE with its stream', awaited: true };
    case 'lambda-function':
      return { rt: 1, waitMs: s(p.seconds.functionPending), waitFor: 'Active', awaited: true };
    case 'event-source-mapping':
      return { rt: 1, waitMs: s(p.seconds.mappingCreating), waitFor: 'Enabled', awaited: true };
    case 'lambda-permission':
      return { rt: 1, waitMs: s(p.seconds.permissionVisible), waitFor: 'visible to S3' };
    case 'log-group':
      return { rt: 2, waitMs: 0 };
    case 's3-bucket':
      return { rt: 3, waitMs: 0 };
    case 'rest-api':
      return { rt: 13, waitMs: 0 };
    default:
      return { rt: 1, waitMs: 0 };
  }
}

/** Kinds that only need their needs to exist (a name in a policy or an integration), not to be usable. */
const NEEDS_EXISTENCE = new Set(['sqs-queue', 'rest-api']);

export function setupFloor(nodes: GraphNode[], p: AwsProfile, scale: number): Floor {
  const rt = p.roundTripMs;
  const byKey = new Map(nodes.map((n) => [n.key, n]));
  const done = new Map<string, number>();
  const ready = new Map<string, number>();
  const via = new Map<string, string | undefined>();
  const label = new Map<string, string>();
  const start0 = 2 * rt;
  const visit = (key: string): void => {
    if (done.has(key)) return;
    const n = byKey.get(key)!;
    const c = setupCost(n.type, p, scale);
    let start = start0;
    let from: string | undefined;
    for (const need of n.needs.filter((k) => byKey.has(k))) {
      visit(need);
      const t = NEEDS_EXISTENCE.has(n.type) ? done.get(need)! : ready.get(need)!;
      if (t > start) [start, from] = [t, need];
    }
    // The REST API begins at once (setup's first round); only its last 5 changes (the
    // integration, its three responses, the deployment) wait for the queue and role it names.
    let end = start + c.rt * rt;
    if (n.type === 'rest-api') {
      end = Math.max(start0 + c.rt * rt, start + 5 * rt);
      if (start0 + c.rt * rt >= start + 5 * rt) from = undefined;
    }
    done.set(key, end);
    ready.set(key, end + c.waitMs);
    via.set(key, from);
    label.set(key, `${key} (${c.rt} RT${c.waitMs ? ` + ${(c.waitMs / 1000).toFixed(1)} s until ${c.waitFor}` : ''})`);
  };
  for (const n of nodes) visit(n.key);
  let last = '';
  let ms = 0;
  for (const n of nodes) {
    const t = setupCost(n.type, p, scale).awaited ? ready.get(n.key)! : done.get(n.key)!;
    if (t > ms) [ms, last] = [t, n.key];
  }
  const chain: string[] = [];
  for (let k: string | undefined = last; k; k = via.get(k)) chain.unshift(label.get(k)!);
  chain.unshift(`account id and one round of reads (2 RT)`);
  return { ms, chain, done };
}

export function cleanupFloor(all: GraphNode[], p: AwsProfile): Floor {
  const rt = p.roundTripMs;
  // As destroyAll does: one that goes with another is not deleted on its own; what needs it
  // comes before that other one.
  const carried = new Map(all.filter((n) => n.goesWith && all.some((x) => x.key === n.goesWith)).map((n) => [n.key, n.goesWith!]));
  const nodes = all.filter((n) => !carried.has(n.key)).map((n) => ({ ...n, needs: n.needs.map((k) => carried.get(k) ?? k) }));
  const neededBy = (key: string) => nodes.filter((n) => n.needs.includes(key)).map((n) => n.key);
  const gone = new Map<string, number>();
  const via = new Map<string, string | undefined>();
  const cost = (type: string) => (type === 'iam-role' ? 2 : 1);
  const visit = (key: string): number => {
    if (gone.has(key)) return gone.get(key)!;
    const n = nodes.find((x) => x.key === key)!;
    let start = 2 * rt;
    let from: string | undefined;
    for (const other of neededBy(key)) {
      const t = visit(other);
      if (t > start) [start, from] = [t, other];
    }
    const end = start + cost(n.type) * rt;
    gone.set(key, end);
    via.set(key, from);
    return end;
  };
  let ms = 0;
  let last = '';
  for (const n of nodes) {
    const t = visit(n.key);
    if (t > ms) [ms, last] = [t, n.key];
  }
  const chain: string[] = [];
  for (let k: string | undefined = last; k; k = via.get(k)) chain.unshift(`${k} (${cost(nodes.find((x) => x.key === k)!.type)} RT)`);
  chain.unshift('account id and one round of reads (2 RT)');
  return { ms, chain };
}

/**
 * A class's floor is the account's quotas: N CreateRestApi at 1 every 3 s and N
 * CreateDeployment at 1 every 5 s (API Gateway) cannot go faster, whatever runs them. The
 * first deployment comes no sooner than a lab's REST API is done (the deployment is its last
 * call: `apiKey`'s time in one lab's floor), the last (N-1) x 5 s later; and no class is
 * built sooner than one lab. Class cleanup: N DeleteRestApi at 1 every 30 s.
 */
export function classSetupFloor(students: number, one: Floor, apiKey: string, p: AwsProfile, scale: number): Floor {
  const every = (op: string) => (p.quotas.find((q) => q.service === 'apigateway' && q.operation === op)?.seconds ?? 0) * 1000 * scale;
  const firstDeployed = one.done?.get(apiKey) ?? one.ms;
  const floors: Floor[] = [
    { ms: one.ms, chain: [`one lab's setup floor (${Math.round(one.ms)} ms)`] },
    { ms: firstDeployed + (students - 1) * every('CreateDeployment'), chain: [`the first API deployed (${Math.round(firstDeployed)} ms)`, `then ${students - 1} more CreateDeployment at 1 every ${every('CreateDeployment') / 1000} s`] },
    { ms: 2 * p.roundTripMs + (students - 1) * every('CreateRestApi') + 12 * p.roundTripMs, chain: [`${students} CreateRestApi at 1 every ${every('CreateRestApi') / 1000} s`, 'then the last API’s 12 changes'] },
  ];
  return floors.reduce((a, b) => (b.ms > a.ms ? b : a));
}

export function classCleanupFloor(students: number, p: AwsProfile, scale: number): Floor {
  const every = (p.quotas.find((q) => q.service === 'apigateway' && q.operation === 'DeleteRestApi')?.seconds ?? 0) * 1000 * scale;
  return { ms: 2 * p.roundTripMs + (students - 1) * every + p.roundTripMs, chain: [`account id and reads (2 RT)`, `${students} DeleteRestApi at 1 every ${every / 1000} s`] };
}

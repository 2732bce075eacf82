// An API Gateway REST API with one resource and a POST method integrated directly with
// an AWS service action (here SQS SendMessage), a request model and validator, and a
// stage. The API's parts are one resource because only together do they mean anything,
// and a change to any of them needs a new deployment.
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import type { Method, Resource as ApiResource } from '@aws-sdk/client-api-gateway';
import { hasCode, unlessGone } from '../aws/errors.js';
import { allPages } from '../aws/pages.js';
import { API_QUOTA, OTHER_RUN, pollWhileProgressing, retryWhile } from '../aws/retry.js';
import { reason, type Ctx, type Reason, type Resource } from '../engine/resource.js';
import { consoleHome, enc } from './console-links.js';

export interface RestApiSpec {
  key: string;
  task: number;
  name: string;
  description: string;
  needs: string[];
  path: string;
  stage: string;
  integration(ctx: Ctx): DesiredIntegration;
  model: { name: string; schema: object; description: string };
  /** What one request carries, in the lab's words (the order lab's "order"), for check's advice. */
  message?: string;
}

export interface DesiredIntegration {
  uri: string;
  credentials: string;
  requestParameters: Record<string, string>;
  requestTemplates: Record<string, string>;
  /** status code -> selection pattern (undefined for the default response). */
  responses: Record<string, string | undefined>;
}

export interface DesiredApi extends DesiredIntegration {
  path: string;
  stage: string;
  model: { name: string; schema: string };
}

interface ObservedMethod {
  authorizationType?: string;
  requestValidatorId?: string;
  requestModels: Record<string, string>;
  methodResponses: string[];
  integration?: {
    type?: string;
    httpMethod?: string;
    uri?: string;
    credentials?: string;
    passthroughBehavior?: string;
    requestParameters: Record<string, string>;
    requestTemplates: Record<string, string>;
    responses: Record<string, string | undefined>;
  };
}

export interface ObservedApi {
  id: string;
  /** Other REST APIs with the same name (API Gateway allows that). */
  duplicates: string[];
  rootId: string;
  resourceId?: string;
  method?: ObservedMethod;
  /** The guide puts POST on the API's root; check accepts either. */
  rootMethod?: ObservedMethod;
  validatorId?: string;
  validatorTwins: string[];
  modelSchema?: string;
  stage?: { deploymentId?: string };
  url: string;
}

const VALIDATOR = 'validate-body';
const notFound = (error: unknown) => hasCode(error, 'NotFoundException');
export const apiWaitReason = (error: unknown) =>
  hasCode(error, 'TooManyRequestsException', 'LimitExceededException')
    ? 'API Gateway’s per-account quota (a few such calls a minute; others in your account may be using it too)'
    : undefined;

// API Gateway takes one change to a REST API at a time: a change made while another one
// to the same API is under way is refused with 409 ConflictException "Unable to complete
// operation due to concurrent modification. Please try again later." (two method
// responses of one method are enough; AWS does not document it, the reports are many, e.g.
// hashicorp/terraform-provider-aws#776, hashicorp/terraform#11395). So poc makes an API's
// changes one after another, and tries again one refused so: somebody else (the console,
// a second poc) was changing the API at that moment. Reads are not changes: made at once.
const concurrentChange = (error: unknown) =>
  hasCode(error, 'ConflictException') && /concurrent modification/i.test(String((error as Error).message))
    ? 'another change to the API to finish (API Gateway makes one at a time)'
    : undefined;
const changeWaitReason = (error: unknown) => apiWaitReason(error) ?? concurrentChange(error);
/** One change to a REST API, tried again while API Gateway's quota or another change holds it up. */
const change = <T>(ctx: Ctx, make: () => Promise<T>) => retryWhile(make, changeWaitReason, API_QUOTA, ctx.note, ctx.signal);

export function invokeUrl(ctx: Pick<Ctx, 'region' | 'arns'> & { aws?: { localStage?: string } }, apiId: string, stage: string, path: string): string {
  // The local AWS serves every API's stages under one loopback address (poc local).
  if (ctx.aws?.localStage) return `${ctx.aws.localStage}/${apiId}/${stage}/${path}`;
  return `https://${apiId}.execute-api.${ctx.region}.${ctx.arns.dnsSuffix}/${stage}/${path}`;
}

/**
 * The tag that says which run made a REST API: the twin a lost CreateRestApi answer leaves
 * carries this run's value (the SDK's retry sends the same request), an API that another
 * setup of the lab made at the same time carries that run's. Its value names the run for
 * the person reading about it: host, process, start, and a nonce (two runs in one process).
 */
const MADE_BY = 'poc:made-by';
function madeByValue(): string {
  // API Gateway's tag values: letters, digits, spaces and _ . : / = + - @, at most 256 characters.
  const host = hostname().replace(/[^\w.:/=+@-]/g, '').slice(0, 63) || 'unknown';
  return `${host} pid ${process.pid} ${new Date().toISOString().slice(0, 19)}Z ${randomBytes(3).toString('hex')}`;
}
/** "pid 123 on host, started 2026-…Z", or what is known of one that left no tag. */
function whichRun(madeBy: string | undefined): string {
  const m = /^(\S+) pid (\d+) (\S+) \w+$/.exec(madeBy ?? '');
  return m ? `pid ${m[2]} on ${m[1]}, started ${m[3]}` : 'an older poc, or by hand';
}

export interface FoundApi {
  id: string;
  created: number;
  madeBy?: string;
}

/** Every REST API with this name, oldest first. */
export async function findApis(ctx: Ctx, name: string): Promise<FoundApi[]> {
  const [client, { paginateGetRestApis }] = await Promise.all([ctx.aws.client('apigateway'), import('../aws/sdk/apigateway.js')]);
  const apis = await allPages(paginateGetRestApis({ client, pageSize: 500 }, {}), (p) => p.items);
  const found = apis.filter((api) => api.name === name).map((api) => ({ id: api.id!, created: api.createdDate?.getTime() ?? 0, madeBy: api.tags?.[MADE_BY] }));
  // Oldest first; two made in the same instant are ordered by id, so every run picks the same.
  return found.sort((a, b) => a.created - b.created || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
}

function methodOf(resource: ApiResource | undefined, verb: string): ObservedMethod | undefined {
  const m: Method | undefined = resource?.resourceMethods?.[verb];
  if (!m) return undefined;
  const i = m.methodIntegration;
  return {
    authorizationType: m.authorizationType,
    requestValidatorId: m.requestValidatorId,
    requestModels: m.requestModels ?? {},
    methodResponses: Object.keys(m.methodResponses ?? {}).sort(),
    integration: i && {
      type: i.type,
      httpMethod: i.httpMethod,
      uri: i.uri,
      credentials: i.credentials,
      passthroughBehavior: i.passthroughBehavior,
      requestParameters: i.requestParameters ?? {},
      requestTemplates: i.requestTemplates ?? {},
      responses: Object.fromEntries(Object.entries(i.integrationResponses ?? {}).map(([code, r]) => [code, r.selectionPattern ?? undefined])),
    },
  };
}

const sameMap = (a: Record<string, unknown>, b: Record<string, unknown>) =>
  JSON.stringify(Object.entries(a).sort()) === JSON.stringify(Object.entries(b).sort());

export function restApi(spec: RestApiSpec): Resource<DesiredApi, ObservedApi> {
  async function read(ctx: Ctx, id: string, duplicates: string[], withStages = true): Promise<ObservedApi> {
    const apigateway = await ctx.aws.client('apigateway');
    const [resources, validators, models, stages] = await Promise.all([
      apigateway.getResources({ restApiId: id, embed: ['methods'], limit: 500 }),
      apigateway.getRequestValidators({ restApiId: id, limit: 500 }),
      apigateway.getModels({ restApiId: id, limit: 500 }),
      withStages ? apigateway.getStages({ restApiId: id }) : undefined,
    ]);
    const root = resources.items?.find((r) => r.path === '/');
    const target = resources.items?.find((r) => r.path === `/${spec.path}`);
    const bodyValidators = (validators.items ?? []).filter((v) => v.name === VALIDATOR && v.validateRequestBody);
    const stage = stages?.item?.find((s) => s.stageName === spec.stage);
    return {
      id,
      duplicates,
      rootId: root?.id ?? '',
      resourceId: target?.id,
      method: methodOf(target, 'POST'),
      rootMethod: methodOf(root, 'POST'),
      // A lost CreateRequestValidator answer leaves a same-named twin: the one the method uses counts.
      validatorId: (bodyValidators.find((v) => v.id === methodOf(target, 'POST')?.requestValidatorId) ?? bodyValidators[0])?.id,
      validatorTwins: bodyValidators.filter((v) => v !== (bodyValidators.find((x) => x.id === methodOf(target, 'POST')?.requestValidatorId) ?? bodyValidators[0])).map((v) => v.id!),
      modelSchema: models.items?.find((m) => m.name === spec.model.name)?.schema,
      stage: stage && { deploymentId: stage.deploymentId },
      url: invokeUrl(ctx, id, spec.stage, spec.path),
    };
  }

  function methodReasons(desired: DesiredApi, observed: ObservedApi): Reason[] {
    const m = observed.method;
    if (!observed.resourceId) return [reason('no-resource', `it has no /${desired.path} resource`)];
    if (!m) return [reason('no-method', `POST /${desired.path} is missing`)];
    const reasons: Reason[] = [];
    const i = m.integration;
    if (m.authorizationType !== 'NONE') reasons.push(reason('authorization', `POST /${desired.path} uses ${m.authorizationType} authorization; the lab’s is open (NONE)`));
    if (!observed.validatorId || m.requestValidatorId !== observed.validatorId) reasons.push(reason('no-validation', 'POST does not validate the request body'));
    if (m.requestModels['application/json'] !== desired.model.name) reasons.push(reason('no-model', `POST does not require the ${desired.model.name} model`));
    if (!i) return [...reasons, reason('no-integration', 'POST has no integration')];
    if (i.type !== 'AWS' || i.httpMethod !== 'POST') reasons.push(reason('integration-type', `the integration is ${i.type} ${i.httpMethod}, want AWS POST`));
    if (i.uri !== desired.uri) reasons.push(reason('integration-uri', `the integration calls ${i.uri}, want ${desired.uri}`));
    if (i.credentials !== desired.credentials) reasons.push(reason('integration-role', `the integration runs as ${i.credentials ?? 'no role'}, want ${desired.credentials.split('/').pop()}`));
    if (i.passthroughBehavior !== 'NEVER') reasons.push(reason('passthrough', 'the integration passes unknown content types through (want NEVER)'));
    if (!sameMap(i.requestParameters, desired.requestParameters)) reasons.push(reason('content-type', 'the integration does not send the form-urlencoded Content-Type header'));
    if (!sameMap(i.requestTemplates, desired.requestTemplates)) reasons.push(reason('template', 'the integration’s request template differs'));
    if (!sameMap(i.responses, desired.responses)) reasons.push(reason('error-mapping', 'SQS errors are not mapped to 4xx/5xx responses'));
    if (m.methodResponses.join() !== Object.keys(desired.responses).sort().join()) reasons.push(reason('method-responses', 'the method responses differ'));
    return reasons;
  }

  // CreateRestApi is not idempotent: a retried request whose first answer was lost makes a
  // second API of the name, and two setups of one prefix at once make one each. The oldest
  // API of the name is the lab's (observe reads that one too), for every run alike. A run
  // deletes only its own others (the one it made, a lost answer's twin: its MADE_BY tag),
  // never another run's: that run is building it, and deletes it itself once it sees it is
  // not the oldest (settled once more after the build, when each run sees the other's).
  // `building`: the first change to the new API, made while the twins are looked for; it
  // has answered before that API is deleted.
  async function settleTwins(ctx: Ctx, mine: { id: string; madeBy: string }, building: Promise<unknown>): Promise<FoundApi> {
    const apis = await findApis(ctx, spec.name);
    const keep = apis[0] ?? { ...mine, created: 0 };
    const own = new Set([mine.id, ...apis.filter((a) => a.madeBy === mine.madeBy).map((a) => a.id)]);
    own.delete(keep.id);
    for (const id of own) {
      if (id === mine.id) await building.catch(() => undefined);
      await deleteApi(ctx, id);
    }
    return keep;
  }

  /**
   * Deletes a REST API; one already gone counts as deleted. (moto answers a DELETE of an API
   * that is gone with a 500 HTML page, not AWS's 404, so a failed delete is followed by a look.)
   */
  async function deleteApi(ctx: Ctx, restApiId: string): Promise<void> {
    const apigateway = await ctx.aws.client('apigateway');
    try {
      await change(ctx, () => unlessGone(apigateway.deleteRestApi({ restApiId }), 'NotFoundException'));
    } catch (error) {
      const still = await unlessGone(apigateway.getResources({ restApiId, limit: 1 }), 'NotFoundException').catch(() => true);
      if (still !== undefined) throw error;
    }
  }

  /**
   * Another setup of this lab made the API that is kept and is building it: wait for it to
   * be as the lab wants, instead of changing it at the same time (API Gateway takes one
   * change at a time, and one run's rebuild would undo the other's). Returns what it looks
   * like, and whether it got there; it did not when it stopped changing (that run stopped).
   */
  async function awaitOtherRun(ctx: Ctx, desired: DesiredApi, other: FoundApi, mine: string): Promise<{ api: ObservedApi; built: boolean }> {
    ctx.note(`another setup of this lab (${whichRun(other.madeBy)}) made ${spec.name} at the same time (${other.id}); this run's (${mine}) is deleted, and it waits for that one to be built`);
    // What the API needs (its role, its queue) is this run's work too: the other run builds
    // the method once they exist.
    await ctx.needsDone?.();
    let api: ObservedApi | undefined;
    const built = await pollWhileProgressing(
      async () => {
        try {
          api = await read(ctx, other.id, []);
        } catch (error) {
          if (notFound(error)) throw new Error(`${spec.name} ${other.id}, which another setup of this lab was building, was deleted meanwhile (by a cleanup at the same time?)`);
          throw error;
        }
        return reasonsOf(desired, api).length ? { state: JSON.stringify(api) } : true;
      },
      OTHER_RUN,
      ctx.signal,
    );
    if (!built) ctx.note(`${spec.name} ${other.id} has not changed for minutes (the other setup stopped?): this run builds it`);
    return { api: api!, built };
  }

  function reasonsOf(desired: DesiredApi, observed: ObservedApi): Reason[] {
    const reasons = methodReasons(desired, observed);
    if (!observed.modelSchema) reasons.push(reason('model-missing', `it has no ${desired.model.name} model`));
    else if (JSON.stringify(JSON.parse(observed.modelSchema)) !== desired.model.schema) reasons.push(reason('model-differs', `its ${desired.model.name} model differs`));
    if (!observed.stage?.deploymentId) reasons.push(reason('not-deployed', `it is not deployed to stage ${desired.stage}`));
    if (observed.validatorTwins.length) reasons.push(reason('validator-twins', `it has ${observed.validatorTwins.length} unused duplicate request validator(s)`));
    return reasons;
  }

  /** The POST method, its responses and its integration, made one change at a time. */
  async function buildMethod(ctx: Ctx, desired: DesiredApi, api: ObservedApi, validatorId: string) {
    const apigateway = await ctx.aws.client('apigateway');
    const restApiId = api.id;
    let resourceId = api.resourceId;
    if (!resourceId) {
      resourceId = (await change(ctx, () => apigateway.createResource({ restApiId, parentId: api.rootId, pathPart: desired.path }))).id!;
    } else if (api.method) {
      // PutMethod and PutMethodResponse refuse to overwrite (ConflictException): rebuild it.
      await change(ctx, () => apigateway.deleteMethod({ restApiId, resourceId: resourceId!, httpMethod: 'POST' }));
    }
    const method = { restApiId, resourceId, httpMethod: 'POST' };
    await change(ctx, () =>
      apigateway.putMethod({
        ...method,
        authorizationType: 'NONE',
        requestValidatorId: validatorId,
        requestModels: { 'application/json': desired.model.name },
      }),
    );
    // The method's responses need nothing but the method; the integration names the
    // role and the queue, which may still be under way (buildsAhead).
    for (const statusCode of Object.keys(desired.responses)) await change(ctx, () => apigateway.putMethodResponse({ ...method, statusCode }));
    await ctx.needsDone?.();
    await change(ctx, () =>
      apigateway.putIntegration({
        ...method,
        type: 'AWS',
        integrationHttpMethod: 'POST',
        uri: desired.uri,
        credentials: desired.credentials,
        requestParameters: desired.requestParameters,
        requestTemplates: desired.requestTemplates,
        // Anything but application/json is refused with 415 instead of reaching SQS unchecked.
        passthroughBehavior: 'NEVER',
      }),
    );
    // An integration response needs its method response first (made above).
    for (const [statusCode, selectionPattern] of Object.entries(desired.responses)) {
      await change(ctx, () => apigateway.putIntegrationResponse({ ...method, statusCode, selectionPattern }));
    }
  }

  const createModel = async (ctx: Ctx, desired: DesiredApi, restApiId: string) => {
    const apigateway = await ctx.aws.client('apigateway');
    return change(ctx, () => apigateway.createModel({ restApiId, name: desired.model.name, contentType: 'application/json', schema: desired.model.schema, description: spec.model.description }));
  };

  /** Makes an API (`built` as it is now) what the lab wants, and deploys it when anything changed (`changed`: it is new). */
  async function build(ctx: Ctx, desired: DesiredApi, built: ObservedApi, changed: boolean): Promise<ObservedApi> {
    const apigateway = await ctx.aws.client('apigateway');
    const restApiId = built.id;
    // The validators as they are after the create, read while the method is built.
    let validators: Promise<{ items?: { id?: string; name?: string }[] }> | undefined;
    try {
      if (!built.modelSchema) {
        await createModel(ctx, desired, restApiId);
        changed = true;
      } else if (JSON.stringify(JSON.parse(built.modelSchema)) !== desired.model.schema) {
        await change(ctx, () => apigateway.updateModel({ restApiId, modelName: desired.model.name, patchOperations: [{ op: 'replace', path: '/schema', value: desired.model.schema }] }));
        changed = true;
      }
      for (const requestValidatorId of built.validatorTwins) {
        await change(ctx, () => unlessGone(apigateway.deleteRequestValidator({ restApiId, requestValidatorId }), 'NotFoundException'));
      }
      let validatorId = built.validatorId;
      if (!validatorId) {
        validatorId = (await change(ctx, () => apigateway.createRequestValidator({ restApiId, name: VALIDATOR, validateRequestBody: true, validateRequestParameters: false }))).id!;
        // Not idempotent either: a retried create whose first answer was lost made a twin.
        // Looked for while the method is built; removed after it, one change at a time.
        validators = apigateway.getRequestValidators({ restApiId, limit: 500 });
      }
      if (methodReasons(desired, { ...built, validatorId }).length) {
        await buildMethod(ctx, desired, built, validatorId);
        changed = true;
      }
      for (const twin of ((await validators)?.items ?? []).filter((v) => v.name === VALIDATOR && v.id !== validatorId)) {
        await change(ctx, () => unlessGone(apigateway.deleteRequestValidator({ restApiId, requestValidatorId: twin.id! }), 'NotFoundException'));
      }
      if (changed || !built.stage?.deploymentId) {
        // Deploying changes no resource, model or validator: they are read meanwhile, and
        // the stage is as the deployment's answer says.
        const [after, deployment] = await Promise.all([
          read(ctx, restApiId, built.duplicates, false),
          change(ctx, () => apigateway.createDeployment({ restApiId, stageName: desired.stage, description: 'Deployed by poc setup' })),
        ]);
        return { ...after, stage: { deploymentId: deployment.id } };
      }
    } finally {
      // A failed change leaves no read running unseen.
      await validators?.catch(() => undefined);
    }
    return read(ctx, restApiId, built.duplicates);
  }

  return {
    key: spec.key,
    task: spec.task,
    type: 'rest-api',
    name: spec.name,
    needs: spec.needs,
    buildsAhead: true,
    desired: (ctx) => ({
      ...spec.integration(ctx),
      path: spec.path,
      stage: spec.stage,
      model: { name: spec.model.name, schema: JSON.stringify(spec.model.schema) },
    }),
    async observe(ctx) {
      const apis = await findApis(ctx, spec.name);
      if (!apis.length) return undefined;
      try {
        return await read(ctx, apis[0].id, apis.slice(1).map((a) => a.id));
      } catch (error) {
        if (notFound(error)) return undefined;
        throw error;
      }
    },
    diff: reasonsOf,
    async ensure(ctx, desired, observed) {
      if (observed) return build(ctx, desired, observed, false);
      // `observed` is setup's first round of reads (the API begins with it: buildsAhead), so
      // looking again before the create would mostly find the same; a twin that another
      // setup of this prefix made meanwhile (say, while this one asked for the email) is
      // settled right after the create, and once more after the build.
      const apigateway = await ctx.aws.client('apigateway');
      const madeBy = madeByValue();
      const created = await change(ctx, () =>
        apigateway.createRestApi({
          name: spec.name,
          description: spec.description,
          endpointConfiguration: { types: ['REGIONAL'] },
          tags: { ...ctx.tags, [MADE_BY]: madeBy },
        }),
      );
      const restApiId = created.id!;
      const model = createModel(ctx, desired, restApiId);
      model.catch(() => undefined);
      const keep = await settleTwins(ctx, { id: restApiId, madeBy }, model);
      const another = async (other: FoundApi, mine: string) => {
        const { api, built } = await awaitOtherRun(ctx, desired, other, mine);
        return built ? api : build(ctx, desired, api, true);
      };
      if (keep.id !== restApiId && keep.madeBy !== madeBy) return another(keep, restApiId);
      // A new API has its root resource and nothing of the lab's but the model yet: the
      // answers say all that the build needs, with no read.
      let fresh: ObservedApi;
      if (keep.id === restApiId && created.rootResourceId) {
        await model;
        fresh = { id: restApiId, duplicates: [], rootId: created.rootResourceId, validatorTwins: [], modelSchema: desired.model.schema, url: invokeUrl(ctx, restApiId, spec.stage, spec.path) };
      } else fresh = await read(ctx, keep.id, []);
      const done = await build(ctx, desired, fresh, true);
      // Another setup's API that this run did not see right after its create (made in the
      // same second, or not yet listed) and that is older: that one is the lab's.
      const [first] = await findApis(ctx, spec.name);
      if (!first || first.id === done.id || first.madeBy === madeBy) return done;
      await deleteApi(ctx, done.id);
      return another(first, done.id);
    },
    async destroy(ctx) {
      const apis = await findApis(ctx, spec.name);
      if (!apis.length) return 'absent';
      // Deleting the API deletes its stages and deployments with it.
      for (const { id } of apis) await deleteApi(ctx, id);
      return 'deleted';
    },
    check(_ctx, desired, observed) {
      const m = observed.method ?? observed.rootMethod;
      const where = `POST ${observed.method ? `/${desired.path}` : '/'}`;
      if (!m) return { findings: [`${spec.name} has no POST method (on / or /${desired.path}).`], warnings: [] };
      const findings: string[] = [];
      const warnings: string[] = [];
      const i = m.integration;
      if (!i) findings.push(`${where} has no integration.`);
      else {
        if (i.type !== 'AWS' || i.httpMethod !== 'POST') findings.push(`${where} is integrated as ${i.type} ${i.httpMethod}; it must be an AWS service integration (SQS) with POST.`);
        if (i.uri !== desired.uri) findings.push(`${where} calls ${i.uri ?? 'nothing'}; it must use the SQS path override ${desired.uri.split('path/')[1]} (${desired.uri}).`);
        if (i.credentials !== desired.credentials) findings.push(`${where} does not run as ${desired.credentials.split('/').pop()} (execution role: ${i.credentials ?? 'none'}).`);
        if (!sameMap(i.requestParameters, desired.requestParameters)) findings.push(`${where} does not send the header Content-Type: application/x-www-form-urlencoded, so SQS cannot read the request.`);
        const template = i.requestTemplates['application/json'] ?? '';
        if (!/Action=SendMessage/.test(template) || !/MessageBody=/.test(template)) findings.push(`${where} has no application/json mapping template with Action=SendMessage&MessageBody=…`);
        else if (!template.includes('$util.urlEncode')) warnings.push(`${where}'s template sends the body without URL-encoding it: ${spec.message ? `an ${spec.message}` : 'a message'} containing & or + arrives cut or altered. Use MessageBody=$util.urlEncode($input.body).`);
        if (!sameMap(i.responses, desired.responses)) warnings.push(`${where} answers 200 even when SQS refuses the ${spec.message ?? 'message'}; map 4\\d{2} to 400 and 5\\d{2} to 500.`);
        if (i.passthroughBehavior !== 'NEVER') warnings.push(`${where} passes bodies of other content types through unchecked; set passthrough behaviour to NEVER.`);
      }
      if (!observed.validatorId || m.requestValidatorId !== observed.validatorId || m.requestModels['application/json'] !== desired.model.name) {
        warnings.push(`${where} does not validate the body, so any text reaches the queue; add a request validator and a model requiring a JSON object.`);
      }
      if (!observed.stage?.deploymentId) findings.push(`${spec.name} is not deployed to a stage named ${desired.stage}.`);
      return { findings, warnings };
    },
    id: (observed) => observed.id,
    summary: (observed) => observed.url,
    consoleLink: (region, observed) => `${consoleHome(region, 'apigateway')}/main/apis/${enc(observed.id)}/resources?api=${enc(observed.id)}&region=${region}`,
    details: (observed) => ({
      url: observed.url,
      stage: spec.stage,
      // API Gateway allows several APIs of one name; poc uses the oldest and cleanup removes all.
      otherApisWithThisName: observed.duplicates.length ? observed.duplicates.join(', ') : undefined,
    }),
  };
}

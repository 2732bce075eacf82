// AWS answers "not yet" where moto answers at once: IAM's eventual consistency, a table
// still UPDATING, an API whose role IAM has not spread yet. A proxy in front of moto gives
// AWS's documented answer once, and the command must wait (bounded, with a note) and finish.
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, it } from 'node:test';
import { createAws } from '../src/aws/clients.js';
import { cleanup } from '../src/commands/cleanup.js';
import { setup } from '../src/commands/setup.js';
import { postOrder } from '../src/labs/orders/send-order.js';
import { createReporter } from '../src/ui/reporter.js';
import { completeLab, EMPTY_LAB, labInventory, normalised, withProxy, type CannedAnswer, type RequestInfo } from './helpers/fault-proxy.js';
import { motoPerFile } from './helpers/lab.js';

const REGION = 'us-east-1';
const EMAIL = 'student@example.com';
const moto = motoPerFile({ env: { POC_BACKOFF_SCALE: '0.01' } });

/** IAM's query-protocol error document. */
const iamError = (status: number, code: string, message: string): CannedAnswer => ({
  status,
  headers: { 'content-type': 'text/xml' },
  body: `<ErrorResponse xmlns="https://iam.amazonaws.com/doc/2010-05-08/"><Error><Type>Sender</Type><Code>${code}</Code><Message>${message}</Message></Error><RequestId>x</RequestId></ErrorResponse>`,
});

/** Answers `answer` to the first request of `operation`, then lets every request through. */
function once(service: string, operation: string, answer: CannedAnswer) {
  let given = 0;
  return {
    get given() {
      return given;
    },
    respond: (info: RequestInfo) => {
      if (given || info.service !== service || info.operation !== operation) return undefined;
      given++;
      return answer;
    },
  };
}

async function noting<T>(endpoint: string, run: (deps: { reporter: Awaited<ReturnType<typeof createReporter>>; aws: Awaited<ReturnType<typeof createAws>> }) => Promise<T>) {
  const aws = await createAws({ endpointUrl: endpoint, region: REGION });
  const notes: string[] = [];
  const reporter = { ...(await createReporter({ json: true })), note: (_r: unknown, text: string) => notes.push(text) };
  return { result: await run({ reporter, aws }), notes, aws };
}

const opts = (endpoint: string) => ({ endpointUrl: endpoint, region: REGION, email: EMAIL, yes: true });

describe('AWS answers "not yet": poc waits, says so, and finishes', () => {
  it('AttachRolePolicy answering NoSuchEntity right after CreatePolicy is retried', async () => {
    await moto.reset();
    const fault = once('iam', 'AttachRolePolicy', iamError(404, 'NoSuchEntity', 'Policy arn:aws:iam::123456789012:policy/Lambda-Write-DynamoDB does not exist or is not attachable.'));
    await withProxy({ target: moto.endpoint, respond: fault.respond }, async (proxy) => {
      const { result, notes } = await noting(proxy.endpoint, (deps) => setup(opts(proxy.endpoint), deps));
      assert.equal(result.exitCode, 0, result.error?.message);
      assert.equal(fault.given, 1);
      assert.ok(notes.some((n) => /IAM to see the policy or role just made/.test(n)), `notes: ${notes.join(' | ')}`);
      assert.deepEqual(normalised(await labInventory(moto.endpoint)), normalised(completeLab('', EMAIL)));
    });
  });

  it('DeletePolicy meeting the attachment just removed (DeleteConflict) is retried', async () => {
    await moto.reset();
    const built = await setup(opts(moto.endpoint), { reporter: await createReporter({ json: true }) });
    assert.equal(built.exitCode, 0, built.error?.message);
    const fault = once('iam', 'DeletePolicy', iamError(409, 'DeleteConflict', 'Cannot delete a policy attached to entities.'));
    await withProxy({ target: moto.endpoint, respond: fault.respond }, async (proxy) => {
      const { result, notes } = await noting(proxy.endpoint, (deps) => cleanup(opts(proxy.endpoint), deps));
      assert.equal(result.exitCode, 0, result.error?.message);
      assert.equal(fault.given, 1);
      assert.ok(notes.some((n) => /IAM to see the policy detached/.test(n)), `notes: ${notes.join(' | ')}`);
      assert.deepEqual(normalised(await labInventory(moto.endpoint)), normalised(EMPTY_LAB));
    });
  });

  it('UpdateTable while the table is UPDATING (ResourceInUseException) waits for the update and tries again', async () => {
    await moto.reset();
    const fault = once('dynamodb', 'UpdateTable', {
      status: 400,
      headers: { 'content-type': 'application/x-amz-json-1.0' },
      body: JSON.stringify({ __type: 'com.amazonaws.dynamodb.v20120810#ResourceInUseException', message: 'Attempt to change a resource which is still in use: Table is being updated: orders' }),
    });
    await withProxy({ target: moto.endpoint, respond: fault.respond }, async (proxy) => {
      const { result, notes } = await noting(proxy.endpoint, (deps) => setup(opts(proxy.endpoint), deps));
      assert.equal(result.exitCode, 0, result.error?.message);
      assert.equal(fault.given, 1);
      assert.ok(notes.some((n) => /table orders to finish its current update/.test(n)), `notes: ${notes.join(' | ')}`);
      assert.deepEqual(normalised(await labInventory(moto.endpoint)), normalised(completeLab('', EMAIL)));
    });
  });

  it('an API answering its own 500 right after setup (its role not yet assumable) is sent again; later, or SQS’s own 500, is not', async () => {
    const own500: [number, Record<string, string>, string] = [500, { 'x-amzn-errortype': 'InternalServerErrorException' }, '{"message": "Internal server error"}'];
    const answers: [number, Record<string, string>, string][] = [
      own500,
      own500,
      [200, {}, '{"SendMessageResponse":{"SendMessageResult":{"MessageId":"m-1"}}}'],
      [500, {}, '{"Error":{"Code":"InternalError","Message":"We encountered an internal error. Please try again."}}'],
      // The same answer once the role is old: an integration response that cannot be mapped
      // after SQS took the order gives it too, and sending again would make a second order.
      own500,
    ];
    let posts = 0;
    const server = createServer((req, res) => {
      req.resume();
      req.on('end', () => {
        const [status, headers, body] = answers[posts++] ?? [599, {}, 'unexpected'];
        res.writeHead(status, { 'content-type': 'application/json', ...headers });
        res.end(body);
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/prod/`;
      const notes: string[] = [];
      const sent = await postOrder(url, '{"item":"mop"}', undefined, (n) => notes.push(n), async () => true);
      assert.equal(sent.status, 200);
      assert.equal(posts, 3, 'sent again twice, then accepted');
      assert.ok(notes.some((n) => /API to be able to use its role/.test(n)), `notes: ${notes.join(' | ')}`);
      const refused = await postOrder(url, '{"item":"mop"}', undefined, () => {}, async () => true);
      assert.equal(refused.status, 500, 'SQS’s own error, mapped through, is reported at once (the order may have reached the queue)');
      assert.equal(posts, 4);
      const later = await postOrder(url, '{"item":"mop"}', undefined, () => {}, async () => false);
      assert.equal(later.status, 500);
      assert.equal(posts, 5, 'not sent again once the role is old');
    } finally {
      server.close();
    }
  });
});

describe('cleanup of a lab whose email was never confirmed', () => {
  it('says the pending subscription went with the topic and that SNS deletes it after 48 hours', async () => {
    await moto.reset();
    const built = await setup(opts(moto.endpoint), { reporter: await createReporter({ json: true }) });
    assert.equal(built.exitCode, 0, built.error?.message);
    // moto confirms an email subscription at once; AWS lists it as PendingConfirmation until
    // the link is clicked. The first listing (cleanup's look before it deletes) says so.
    let listed = 0;
    const respond = (info: RequestInfo): CannedAnswer | undefined => {
      if (info.service !== 'sns' || info.operation !== 'ListSubscriptionsByTopic' || listed++) return undefined;
      const topicArn = `arn:aws:sns:${REGION}:123456789012:POC-Topic`;
      return {
        status: 200,
        headers: { 'content-type': 'text/xml' },
        body:
          '<ListSubscriptionsByTopicResponse xmlns="http://sns.amazonaws.com/doc/2010-03-31/"><ListSubscriptionsByTopicResult><Subscriptions>' +
          `<member><TopicArn>${topicArn}</TopicArn><Protocol>email</Protocol><SubscriptionArn>PendingConfirmation</SubscriptionArn><Owner>123456789012</Owner><Endpoint>${EMAIL}</Endpoint></member>` +
          '</Subscriptions></ListSubscriptionsByTopicResult><ResponseMetadata><RequestId>x</RequestId></ResponseMetadata></ListSubscriptionsByTopicResponse>',
      };
    };
    await withProxy({ target: moto.endpoint, respond }, async (proxy) => {
      const cleaned = await cleanup(opts(proxy.endpoint), { reporter: await createReporter({ json: true }) });
      assert.equal(cleaned.exitCode, 0, cleaned.error?.message);
      assert.ok(listed > 0);
      const note = cleaned.notes.find((n) => /had not confirmed/.test(n));
      assert.ok(note, `notes: ${cleaned.notes.join(' | ')}`);
      assert.match(note, new RegExp(`^${EMAIL.replace('.', '\\.')} had not confirmed`));
      assert.match(note, /after 48 hours/);
    });
  });
});

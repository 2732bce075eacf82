// A bug in poc is not an AWS failure, and an answer the SDK cannot read is explained.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { toPocError } from '../src/aws/errors.js';
import { AwsFailure, InternalError } from '../src/errors.js';

/** What the SDK throws for an answer it cannot parse (an HTML page, say), from this endpoint with this status. */
const unreadable = (httpStatusCode: number, $endpoint: string) =>
  Object.assign(new Error('Deserialization error: to see the raw response, inspect the hidden field {error}.$response on this object.'), { $metadata: { httpStatusCode }, $endpoint });

describe('errors that are not AWS refusing', () => {
  it('a TypeError in poc gets its own class and says what to report', () => {
    let bug: unknown;
    try {
      (undefined as unknown as { x: { y: number } }).x.y;
    } catch (error) {
      bug = error;
    }
    const e = toPocError(bug, 'Reading sqs-queue POC-Queue');
    assert.ok(e instanceof InternalError, e.constructor.name);
    assert.match(e.message, /internal error.*TypeError/);
    assert.match(e.hint ?? '', /bug in poc.*report.*--verbose/s);
    assert.equal(e.exitCode, 1);
  });

  it('an SDK deserialization error (e.g. --region us-east-9) is explained, not leaked', () => {
    const e = toPocError(unreadable(404, 'https://sts.us-east-9.amazonaws.com'), 'Looking up your AWS account (sts:GetCallerIdentity)');
    assert.ok(e instanceof AwsFailure);
    assert.doesNotMatch(e.message + (e.hint ?? ''), /\$response|hidden field/);
    assert.match(e.message, /sts\.us-east-9\.amazonaws\.com/);
    assert.match(e.hint ?? '', /region/);
  });

  it('an error page with HTTP 500 (an emulator failing within) is an internal error of the endpoint, not a region problem', () => {
    // moto answers a DeleteRestApi of a REST API that is gone with its HTML 500 page.
    const e = toPocError(unreadable(500, 'http://127.0.0.1:4566'), 'Working on rest-api POC-API');
    assert.ok(e instanceof AwsFailure);
    assert.match(e.message, /127\.0\.0\.1:4566 failed with HTTP 500, an internal error/);
    assert.doesNotMatch(`${e.message} ${e.hint}`, /region/i);
    assert.match(e.hint ?? '', /run the same command again/);
  });
});

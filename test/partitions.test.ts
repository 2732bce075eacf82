// Outside the aws partition, and in regions an account must enable: the console links
// point at the partition's own console, a mistyped region is caught before any call, and an
// opt-in region that is not enabled is named as such, not reported as bad credentials.
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, it } from 'node:test';
import { regionTypo } from '../src/aws/arns.js';
import { createAws, validateRegion } from '../src/aws/clients.js';
import { PocError } from '../src/errors.js';
import { consoleHome, iamConsole } from '../src/resources/console-links.js';
import { withTestKeys } from './helpers/clients.js';

describe('partitions and regions', () => {
  it('console links are the partition’s own console (aws, aws-cn, aws-us-gov)', () => {
    assert.equal(consoleHome('eu-west-1', 'sqs'), 'https://eu-west-1.console.aws.amazon.com/sqs');
    assert.equal(consoleHome('cn-north-1', 'sqs'), 'https://console.amazonaws.cn/sqs');
    assert.equal(consoleHome('us-gov-west-1', 'lambda'), 'https://console.amazonaws-us-gov.com/lambda');
    assert.equal(iamConsole('us-east-1'), 'https://console.aws.amazon.com/iam/home');
    assert.equal(iamConsole('cn-northwest-1'), 'https://console.amazonaws.cn/iam/home');
    assert.equal(iamConsole('us-gov-east-1'), 'https://console.amazonaws-us-gov.com/iam/home');
  });

  it('a region one slip from a listed one is refused with the likely one; a newer region of a known shape is allowed', () => {
    assert.equal(regionTypo('us-eats-1'), 'us-east-1');
    assert.equal(regionTypo('eu-wst-1'), 'eu-west-1');
    assert.equal(regionTypo('ap-southeast-2'), undefined, 'listed');
    assert.equal(regionTypo('cn-north-1'), undefined, 'listed, aws-cn');
    // Not in this SDK's data, but shaped like its neighbours: tried, not refused.
    assert.equal(regionTypo('eu-west-9'), undefined);
    assert.throws(() => validateRegion('us-eats-1'), (e: unknown) => e instanceof PocError && e.exitCode === 2 && /Did you mean us-east-1/.test(e.message));
    assert.equal(validateRegion('eu-west-9'), 'eu-west-9');
  });

  it('an opt-in region not enabled (STS answers InvalidClientTokenId) is named, with how to enable it', async () => {
    const server = createServer((req, res) => {
      req.resume();
      req.on('end', () => {
        res.writeHead(403, { 'content-type': 'text/xml' });
        res.end('<ErrorResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><Error><Type>Sender</Type><Code>InvalidClientTokenId</Code><Message>The security token included in the request is invalid.</Message></Error><RequestId>x</RequestId></ErrorResponse>');
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    await withTestKeys(async () => {
      try {
        const endpointUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
        const optIn = await createAws({ endpointUrl, region: 'me-south-1' });
        await assert.rejects(optIn.identity(), (e: PocError) => {
          assert.match(e.message, /in me-south-1, a region each account must enable/);
          assert.match(e.hint ?? '', /aws account enable-region --region-name me-south-1/);
          return true;
        });
        // In a region every account has, the same answer is about the credentials.
        const usual = await createAws({ endpointUrl, region: 'us-east-1' });
        await assert.rejects(usual.identity(), (e: PocError) => /No usable AWS credentials/.test(e.message) && !/enable/.test(e.hint ?? ''));
      } finally {
        server.close();
      }
    });
  });
});

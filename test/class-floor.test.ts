// The benchmark's floor for a class (bench/floor.ts): the least time AWS's quotas and one
// lab's own chain allow, which no run may beat. A class of 5 once ran in 0.64x the old
// floor (counted from one whole lab's setup), because API Gateway deploys the first API
// long before the lab's functions and triggers are ready.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { classSetupFloor, ordersGraph, setupFloor } from '../bench/floor.js';
import { AWS_PROFILE } from './helpers/aws-profile.js';

describe('a class setup’s floor', async () => {
  const nodes = await ordersGraph();
  const one = setupFloor(nodes, AWS_PROFILE, 1);
  const api = nodes.find((n) => n.type === 'rest-api')!.key;
  const deployed = one.done!.get(api)!;

  it('counts the deployments (1 every 5 s) from the first API deployed, not from one whole lab', () => {
    assert.ok(deployed < one.ms / 2, `the API is deployed (${deployed} ms) well before the lab is done (${one.ms} ms)`);
    const floor = classSetupFloor(5, one, api, AWS_PROFILE, 1);
    assert.equal(floor.ms, deployed + 4 * 5000);
    // A class of 5 measured on AWS's clock took 23.9 s: the floor stays under it.
    assert.ok(floor.ms < 23_900, `${floor.ms} ms`);
  });

  it('is never less than one lab’s own floor', () => {
    assert.equal(classSetupFloor(2, one, api, AWS_PROFILE, 1).ms, one.ms);
  });
});

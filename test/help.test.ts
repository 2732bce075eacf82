// Help is built before --lab is read, so what depends on the lab speaks of both labs.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { buildProgram } from '../src/cli.js';

const help = (name: string) => {
  const cmd = buildProgram().commands.find((c) => c.name() === name);
  if (!cmd) throw new Error(`no command ${name}`);
  return cmd.helpInformation().replace(/\s+/g, ' ');
};

describe('help texts speak of both labs', () => {
  it('tasks, explain, logs and cleanup name each lab’s tasks and functions', () => {
    assert.match(help('tasks'), /orders: 1-10; inventory: 0-6/);
    assert.doesNotMatch(help('tasks'), /ten tasks/);
    assert.match(help('explain'), /orders: 1-10; inventory: 0-6/);
    assert.match(help('logs'), /orders: 1 or POC-Lambda-1, 2 or POC-Lambda-2; inventory: 1 or Load-Inventory, 2 or Check-Stock/);
    assert.match(help('cleanup'), /orders: task 10, inventory: after its last task/);
  });
});

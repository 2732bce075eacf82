// upload of a large file: its out-of-stock items are summarised, not printed as one huge line.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { UploadResult } from '../src/labs/inventory/upload.js';
import { uploadView } from '../src/labs/inventory/upload-view.js';

describe('upload’s result for a large file', () => {
  it('names a few out-of-stock items and counts the rest', () => {
    const zeroCounts = Array.from({ length: 20_000 }, (_, i) => `Store ${i}: item ${i}`);
    const result = { bucket: 'inventory-123456789012-us-east-1', files: [{ key: 'big.csv', rows: 20_000, rejected: {}, zeroCounts }] } as unknown as UploadResult;
    const text = uploadView(result);
    const line = text.split('\n').find((l) => l.includes('big.csv'))!;
    assert.ok(line.length < 300, `one line of ${line.length} characters`);
    assert.match(line, /20000 out of stock: Store 0: item 0, .*Store 4: item 4 and 19995 more \(--json lists them all\)/);
  });
});

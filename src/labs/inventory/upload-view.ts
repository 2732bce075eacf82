// What upload prints as its result, on stdout. (--json prints the data instead.)
import { someOf, style } from '../../ui/format.js';
import type { UploadResult } from './upload.js';

const out = () => style(process.stdout);

export function uploadView(result: UploadResult): string {
  const s = out();
  if (result.cancelled) return 'Nothing was uploaded: the alert emails were not confirmed.';
  const lines: string[] = [`Uploaded ${result.files.length} file${result.files.length === 1 ? '' : 's'} to s3://${result.bucket}`];
  for (const f of result.files) {
    const rejected = Object.values(f.rejected).reduce((a, b) => a + b, 0);
    lines.push(
      `  ${s.bold(f.key)}: ${f.rows} row${f.rows === 1 ? '' : 's'}${rejected ? `, ${rejected} line${rejected === 1 ? '' : 's'} the function will reject (${Object.keys(f.rejected).join('; ')})` : ''}${f.zeroCounts.length ? `; ${f.zeroCounts.length} out of stock: ${someOf(f.zeroCounts)}` : ''}`,
    );
    for (const hop of f.hops ?? []) {
      lines.push(`    ${hop.reached ? s.good('✔') : s.bad('✖')} ${hop.name.padEnd(28)} ${hop.seconds !== undefined ? `${hop.seconds.toFixed(1)}s`.padStart(7) : '       '}  ${s.dim(hop.detail ?? '')}`);
    }
  }
  if (!result.files.some((f) => f.hops)) {
    lines.push(
      s.dim('A file uploaded again whose counts did not change writes no stream record, so it sends no alert (not even for a count at 0). Add --wait to follow each file to its items and alerts.'),
    );
  }
  return lines.join('\n');
}

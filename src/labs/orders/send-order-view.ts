// What send-order prints as its result, on stdout. (--json prints the data instead.)
import { style } from '../../ui/format.js';
import type { SendOrderResult } from './send-order.js';

const out = () => style(process.stdout);

export function sendOrderView(result: SendOrderResult): string {
  const s = out();
  const lines: string[] = [];
  if (result.sent.length === 1) {
    const [one] = result.sent;
    if (one.ok) lines.push(`${s.good('Accepted')} by ${result.via === 'api' ? 'the API' : 'the queue'}: MessageId ${one.messageId ?? '(none in the answer)'}`);
    else lines.push(`${s.bad('Not accepted')}${one.status ? `: HTTP ${one.status}` : ''}${one.body ? `\n  ${one.body.slice(0, 500)}` : ''}${one.error && !one.status ? `\n  ${one.error}` : ''}`);
  } else {
    const { total, accepted, failed, seconds } = result.summary;
    lines.push(`${accepted} of ${total} accepted, ${failed} failed, in ${seconds.toFixed(1)}s (${(accepted / Math.max(seconds, 0.001)).toFixed(1)} orders/s).`);
  }
  for (const hop of result.hops ?? []) {
    lines.push(`  ${hop.reached ? s.good('✔') : s.bad('✖')} ${hop.name.padEnd(24)} ${hop.seconds !== undefined ? `${hop.seconds.toFixed(1)}s`.padStart(7) : '       '}  ${s.dim(hop.detail ?? '')}`);
  }
  return lines.join('\n');
}

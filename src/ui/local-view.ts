// What poc local prints: where the local AWS runs, its status, and the inbox's mails.
import type { LocalStatus, Mail } from '../commands/local.js';
import type { LocalState } from '../local/state.js';

export function localReadyView(state: LocalState, detached: boolean): string {
  return [
    `Local AWS ready (pid ${state.pid}):`,
    `  AWS endpoint   ${state.endpoint}`,
    `  API stage      ${state.stageUrl}/<api-id>/<stage>/<path>`,
    `Use it with --local on any command, e.g. poc setup --local --email you@example.com`,
    detached ? 'Stop it with: poc local stop' : 'Ctrl-C stops it.',
  ].join('\n');
}

export function localStatusView(status: LocalStatus): string {
  if (!status.running || !status.state) return 'No local AWS runs. Start it with: poc local start --detach';
  const s = status.state;
  return [
    `Local AWS running since ${s.startedAt} (pid ${s.pid}, moto pid ${s.motoPid})`,
    `  AWS endpoint   ${s.endpoint}`,
    `  API stage      ${s.stageUrl}`,
    `  holds          ${status.functions} function(s), ${status.mappings} event source mapping(s), ${status.mails} mail(s)`,
    `  log            ${s.logFile}`,
  ].join('\n');
}

export function mailLine(m: Mail): string {
  // A notification's message on one line (an order's JSON is printed over several).
  const first = m.kind === 'notification' ? (m.message ?? m.body).replace(/\s*\n\s*/g, ' ').trim() : '';
  return `${m.time}  ${m.to}  ${m.subject}  ${m.kind === 'confirmation' ? `(${m.link})` : first.length > 100 ? `${first.slice(0, 99)}…` : first}`;
}

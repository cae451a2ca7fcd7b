/** Terminal candidates for the technician: USB / sysfs / by-id discovery, plus the demo's virtual port. */
import { listTerminalCandidates } from '../../native-bridge';
import type { TerminalCandidateView } from '../../preload/contract/terminal';
import type { CoreServices } from './core-services';

export async function listDeviceCandidates(core: CoreServices): Promise<TerminalCandidateView[]> {
  const found: TerminalCandidateView[] = [];
  if (core.demo)
    found.push({ path: core.demo.terminalPort, source: 'virtual', serialNumber: 'AT-PX-DEMO1', manufacturer: 'Virtual terminal (demo)', accessible: true });
  const ids = core.config.terminal.usbIds?.map((u) => ({ vendorId: u.vendorId, productId: u.productId, ...(u.label ? { name: u.label } : {}) }));
  const discovered = await listTerminalCandidates(ids ? { ids } : {}).catch((e: unknown) => {
    core.log.warn({ err: (e as Error).message }, 'terminal discovery failed');
    return [];
  });
  for (const c of discovered) {
    found.push({
      path: c.stablePath ?? c.path,
      source: c.source,
      ...(c.vendorId !== undefined ? { vendorId: c.vendorId } : {}),
      ...(c.productId !== undefined ? { productId: c.productId } : {}),
      ...(c.serialNumber !== undefined ? { serialNumber: c.serialNumber } : {}),
      ...(c.manufacturer !== undefined ? { manufacturer: c.manufacturer } : {}),
      accessible: c.accessible,
      ...(c.problem ? { problem: c.problem } : {}),
    });
  }
  return found;
}

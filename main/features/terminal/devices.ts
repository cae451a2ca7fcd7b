/** Terminal candidates for the technician: USB / sysfs / by-id discovery, plus the demo's virtual port. */
import { listTerminalCandidates } from '../../../native-bridge';
import type { TerminalCandidateView } from '../../../preload/contract/terminal';
import type { AppConfig } from '../../config/app-config';
import type { Logger } from '../../logging/logger';

export interface DeviceListSource {
  /** The demo's virtual terminal port, listed first; null outside demo mode. */
  readonly virtualPort: string | null;
  readonly usbIds: AppConfig['terminal']['usbIds'];
  readonly log: Logger;
}

export async function listDeviceCandidates(src: DeviceListSource): Promise<TerminalCandidateView[]> {
  const found: TerminalCandidateView[] = [];
  if (src.virtualPort)
    found.push({ path: src.virtualPort, source: 'virtual', serialNumber: 'AT-PX-DEMO1', manufacturer: 'Virtual terminal (demo)', accessible: true });
  const ids = src.usbIds?.map((u) => ({ vendorId: u.vendorId, productId: u.productId, ...(u.label ? { name: u.label } : {}) }));
  const discovered = await listTerminalCandidates(ids ? { ids } : {}).catch((e: unknown) => {
    src.log.warn({ err: (e as Error).message }, 'terminal discovery failed');
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

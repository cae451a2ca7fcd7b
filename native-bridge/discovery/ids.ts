/**
 * USB vendor/product ids of supported terminals. The live table comes from
 * configuration; this default is used when configuration has none.
 */
import { z } from 'zod';

export const UsbIdEntrySchema = z.object({
  vendorId: z.number().int().min(0).max(0xffff),
  productId: z.number().int().min(0).max(0xffff),
  name: z.string().optional(),
});
export type UsbIdEntry = z.infer<typeof UsbIdEntrySchema>;

/** Parses a configuration value like "2ca3:0101" or {vendorId, productId}. */
export function parseUsbId(value: string): UsbIdEntry | null {
  const m = /^\s*(?:0x)?([0-9a-f]{4})\s*:\s*(?:0x)?([0-9a-f]{4})\s*$/i.exec(value);
  if (!m || !m[1] || !m[2]) return null;
  return { vendorId: parseInt(m[1], 16), productId: parseInt(m[2], 16) };
}

export function hex4(n: number): string {
  return n.toString(16).padStart(4, '0');
}

/**
 * Defaults. The Antom PX ids are placeholders for the vendor's assigned ids
 * (replace through configuration); the generic USB-serial bridges are what a
 * terminal cradle or a bench setup commonly shows up as.
 */
export const DEFAULT_TERMINAL_USB_IDS: readonly UsbIdEntry[] = Object.freeze([
  { vendorId: 0x2ca3, productId: 0x0101, name: 'Antom PX terminal (CDC-ACM)' },
  { vendorId: 0x2ca3, productId: 0x0102, name: 'Antom PX terminal cradle (CDC-ACM)' },
  { vendorId: 0x0403, productId: 0x6001, name: 'FTDI FT232R USB-serial bridge' },
  { vendorId: 0x10c4, productId: 0xea60, name: 'Silicon Labs CP210x USB-serial bridge' },
  { vendorId: 0x1a86, productId: 0x7523, name: 'WCH CH340 USB-serial bridge' },
]);

export function matchId(table: readonly UsbIdEntry[], vendorId: number | undefined, productId: number | undefined): UsbIdEntry | null {
  if (vendorId === undefined || productId === undefined) return null;
  return table.find((e) => e.vendorId === vendorId && e.productId === productId) ?? null;
}

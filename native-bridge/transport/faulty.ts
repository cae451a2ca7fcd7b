/**
 * Transport wrapper that corrupts a share of the bytes it writes. Used by the
 * virtual terminal's fault switch and by tests to damage the host direction.
 */
import type { Transport } from './transport';

export function withByteCorruption(inner: Transport, share: () => number, random: () => number = Math.random): Transport & { corrupted: number } {
  const wrapper = {
    corrupted: 0,
    get description() {
      return inner.description;
    },
    get isOpen() {
      return inner.isOpen;
    },
    write(data: Uint8Array): void {
      const p = share();
      if (p <= 0) {
        inner.write(data);
        return;
      }
      const out = Buffer.from(data);
      for (let i = 0; i < out.length; i++) {
        if (random() < p) {
          // XOR with a non-zero value so the byte really changes.
          out[i] = (out[i] ?? 0) ^ (1 + Math.floor(random() * 255));
          wrapper.corrupted++;
        }
      }
      inner.write(out);
    },
    onData: (l: (d: Buffer) => void) => inner.onData(l),
    onClose: (l: (e?: Error) => void) => inner.onClose(l),
    close: () => inner.close(),
  };
  return wrapper;
}

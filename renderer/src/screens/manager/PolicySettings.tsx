export function PolicySettings() {
  return null;
}

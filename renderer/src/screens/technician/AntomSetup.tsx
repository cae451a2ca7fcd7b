export function AntomSetup() {
  return null;
}

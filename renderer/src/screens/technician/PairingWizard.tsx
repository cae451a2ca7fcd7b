export function PairingWizard() {
  return null;
}

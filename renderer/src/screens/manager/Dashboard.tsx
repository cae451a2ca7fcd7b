export function ManagerDashboard() {
  return null;
}

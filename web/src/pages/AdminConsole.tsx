// Placeholder until the page is built.
export function AdminConsole() {
  return <p>AdminConsole</p>;
}

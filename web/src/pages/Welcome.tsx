// Placeholder until the page is built.
export function Welcome() {
  return <p>Welcome</p>;
}

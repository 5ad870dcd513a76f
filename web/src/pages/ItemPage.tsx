// Placeholder until the page is built.
export function ItemPage({ id }: { id: string }) {
  return <p>Item {id}</p>;
}

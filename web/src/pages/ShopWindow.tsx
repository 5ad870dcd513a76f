// Placeholder until the page is built.
export function ShopWindow() {
  return <p>ShopWindow</p>;
}

// A failed request, said plainly (the API's messages name the field and the limit).
import type { ApolloError } from "@apollo/client";

export function ErrorNote({ error, what }: { error: ApolloError | Error | undefined; what: string }) {
  if (!error) return null;
  return (
    <p className="shop-error" role="alert">
      Could not load {what}: {error.message}
    </p>
  );
}

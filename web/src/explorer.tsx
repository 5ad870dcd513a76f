// GraphiQL from the project's own dependencies (same origin as /graphql): schema docs,
// autocomplete and history with no network beyond this server. Admin operations take the
// key from the headers tab: {"x-api-key": "…"}.
import { createGraphiQLFetcher } from "@graphiql/toolkit";
import { GraphiQL } from "graphiql";
import "graphiql/graphiql.css";
import { StrictMode } from "react";
import { createRoot } from "react-dom/client";

const fetcher = createGraphiQLFetcher({ url: `${window.location.origin}/graphql` });

const DEFAULT_QUERY = `# graphrec: press the play button (or Ctrl-Enter). Docs: the book icon on the left.
query Recommendations {
  recommendations(userId: "196", first: 10) {
    model
    source
    edges { node { rank score item { id title genres year } } }
  }
}
`;

createRoot(document.getElementById("explorer")!).render(
  <StrictMode>
    <GraphiQL fetcher={fetcher} defaultQuery={DEFAULT_QUERY} />
  </StrictMode>,
);

// The web app: the shop window (what a visitor sees: recommendations, ratings, items,
// "why this?", onboarding) and the admin console (catalogue, jobs, model versions), one
// React page over the typed client (src/gql, generated from schema.graphql and the
// documents in src/graphql by `npm run codegen`).
import { ApolloProvider, useQuery } from "@apollo/client";
import { StrictMode } from "react";
import { createRoot } from "react-dom/client";
import { client } from "./apollo";
import { HealthDocument } from "./gql/graphql";
import { AdminConsole } from "./pages/AdminConsole";
import { ItemPage } from "./pages/ItemPage";
import { ShopWindow } from "./pages/ShopWindow";
import { Welcome } from "./pages/Welcome";
import { href, useRoute } from "./router";
import "./styles.css";

function App() {
  const route = useRoute();
  const health = useQuery(HealthDocument);
  return (
    <>
      <a className="skip" href="#main">
        Skip to content
      </a>
      <header className="top">
        <a className="brand" href={href({ page: "shop" })}>
          graphrec
        </a>
        <nav aria-label="Main">
          <a href={href({ page: "shop" })} aria-current={route.page === "shop" ? "page" : undefined}>
            For you
          </a>
          <a href={href({ page: "welcome" })} aria-current={route.page === "welcome" ? "page" : undefined}>
            New here?
          </a>
          <a href={href({ page: "admin" })} aria-current={route.page === "admin" ? "page" : undefined}>
            Admin
          </a>
          <a href="/explorer">GraphQL explorer</a>
        </nav>
        {health.data ? (
          <span className="catalogue" aria-label="Catalogue size">
            {health.data.health.items.toLocaleString()} items · {health.data.health.users.toLocaleString()} users
          </span>
        ) : null}
      </header>
      <main id="main" tabIndex={-1}>
        {route.page === "shop" ? <ShopWindow /> : null}
        {route.page === "item" ? <ItemPage id={route.id} /> : null}
        {route.page === "welcome" ? <Welcome /> : null}
        {route.page === "admin" ? <AdminConsole /> : null}
      </main>
    </>
  );
}

createRoot(document.getElementById("root")!).render(
  <StrictMode>
    <ApolloProvider client={client}>
      <App />
    </ApolloProvider>
  </StrictMode>,
);

// What the server holds and allows: catalogue counts (health) and the server's settings (serverInfo).
import type { AdminOverviewQuery } from "../gql/graphql";
import { formatCount } from "./format";

export function CatalogueCounts({ overview }: { overview: AdminOverviewQuery }) {
  const { health, serverInfo } = overview;
  const counts: [string, string][] = [
    ["Users", formatCount(health.users)],
    ["Items", formatCount(health.items)],
    ["Ratings", formatCount(health.ratings)],
    ["Pending jobs", formatCount(health.pendingJobs)],
  ];
  return (
    <section className="admin-section admin-catalogue" aria-labelledby="admin-catalogue-title">
      <h2 id="admin-catalogue-title">Catalogue</h2>
      <dl className="admin-counts">
        {counts.map(([label, value]) => (
          <div key={label}>
            <dt>{label}</dt>
            <dd>{value}</dd>
          </div>
        ))}
      </dl>
      <p className="admin-muted">
        Default model <strong>{health.defaultModel}</strong> · served: {health.servedModels.join(", ") || "none"}
        {health.tfBackend ? ` · TensorFlow.js ${health.tfBackend}` : ""} · anonymous writes {serverInfo.anonymousWrites ? "on" : "off"} · user tokens {serverInfo.userTokens ? "on" : "off"}
      </p>
    </section>
  );
}

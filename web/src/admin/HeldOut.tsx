// A version's held-out quality (metrics.heldOut: recall@K, ndcg@K, RMSE for rating predictors).
import { formatMetric } from "./format";
import { heldOutOf } from "./metrics";

export function HeldOut({ metrics }: { metrics: unknown }) {
  const heldOut = heldOutOf(metrics);
  if (!heldOut) return <p className="admin-muted">No held-out quality (trained with held-out off, or at start-up).</p>;
  if (heldOut.skipped) return <p className="admin-muted">Held-out evaluation skipped: {heldOut.skipped}</p>;
  const cells: [string, number | undefined][] = [
    [`recall@${heldOut.k}`, heldOut.recall],
    [`ndcg@${heldOut.k}`, heldOut.ndcg],
  ];
  if (heldOut.rmse !== undefined) cells.push(["rmse", heldOut.rmse]);
  return (
    <dl className="admin-facts admin-heldout" aria-label="Held-out quality">
      {cells.map(([name, value]) => (
        <div key={name}>
          <dt>{name}</dt>
          <dd>{formatMetric(value)}</dd>
        </div>
      ))}
    </dl>
  );
}

// "Up next": what the user will likely watch next from a served sequential model (SASRec
// reads the history in time order). Shown only when such a model has an active version.
import { useQuery } from "@apollo/client";
import { ShopNextItemsDocument, ShopSequentialModelsDocument } from "../gql/graphql";
import { ErrorNote } from "./ErrorNote";
import { RecRow } from "./RecRow";

export function UpNext({ userId }: { userId: string }) {
  const models = useQuery(ShopSequentialModelsDocument).data?.models ?? [];
  const sequential = models.find((m) => m.capabilities.sequential && m.activeRun);
  const next = useQuery(ShopNextItemsDocument, {
    variables: { userId, model: sequential?.name ?? "", first: 5 },
    skip: !sequential,
    notifyOnNetworkStatusChange: true,
  });
  if (!sequential) return null;
  const data = next.data ?? next.previousData;
  return (
    <>
      <ErrorNote error={next.error} what="up next" />
      <RecRow
        heading="Up next"
        headingId="shop-upnext-title"
        recs={data?.nextItems.edges.map((e) => e.node) ?? []}
        model={data?.nextItems.model}
        source={data?.nextItems.source}
        loading={next.loading}
      />
    </>
  );
}

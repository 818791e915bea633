// GET /api/items/{id}/similar: the items nearest to this one in the model's item space.
import { queryOptions, useQuery } from "@tanstack/react-query";

import { api, unwrap } from "@/shared/api/client";

const SIMILAR_COUNT = 8;

export function getSimilarItems(id: string, signal?: AbortSignal) {
  return unwrap(
    api.GET("/api/items/{item_id}/similar", {
      params: { path: { item_id: id }, query: { k: SIMILAR_COUNT } },
      signal,
    }),
  );
}

export const similarItemsQueryOptions = (id: string) =>
  queryOptions({
    queryKey: ["items", "similar", id],
    queryFn: ({ signal }) => getSimilarItems(id, signal),
    staleTime: 5 * 60_000,
  });

export function useSimilarItems(id: string) {
  return useQuery(similarItemsQueryOptions(id));
}

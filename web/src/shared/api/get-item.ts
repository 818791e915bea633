// GET /api/items/{id}: one catalogue item (the item page, and the names of picked items).
import { queryOptions, useQuery } from "@tanstack/react-query";

import { api, unwrap, type Item } from "./client";

export function getItem(id: string, signal?: AbortSignal): Promise<Item> {
  return unwrap(api.GET("/api/items/{item_id}", { params: { path: { item_id: id } }, signal }));
}

export const itemQueryOptions = (id: string) =>
  queryOptions({
    queryKey: ["items", "detail", id],
    queryFn: ({ signal }) => getItem(id, signal),
    staleTime: 5 * 60_000,
  });

export function useItem(id: string) {
  return useQuery(itemQueryOptions(id));
}

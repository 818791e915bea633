// GET /api/categories: counts per value of every categorical field (shared by the selection
// and recommendation filters).
import { queryOptions, useQuery } from "@tanstack/react-query";

import { api, unwrap, type Schemas } from "./client";

export type Categories = Schemas["Categories"];

export function getCategories(signal?: AbortSignal): Promise<Categories> {
  return unwrap(api.GET("/api/categories", { signal }));
}

export const categoriesQueryOptions = () =>
  queryOptions({
    queryKey: ["categories"],
    queryFn: ({ signal }) => getCategories(signal),
    staleTime: 5 * 60_000,
  });

export function useCategories() {
  return useQuery(categoriesQueryOptions());
}

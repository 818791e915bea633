// GET /api/items: catalogue pages matching filters and search words, paged by cursor.
import { infiniteQueryOptions, keepPreviousData, useInfiniteQuery } from "@tanstack/react-query";

import { api, unwrap, type Schemas } from "@/shared/api/client";
import { filterQuery, type Filters } from "@/shared/lib/filters";

export type ItemPage = Schemas["ItemPage"];

export type ItemSearch = {
  filters: Filters;
  categories: readonly string[];
  q: string;
};

const PAGE_SIZE = 24;

export function getItems(search: ItemSearch, cursor: string | null, signal?: AbortSignal) {
  const query = {
    ...filterQuery(search.filters),
    ...(search.categories.length ? { article_type: [...search.categories] } : {}),
    ...(search.q ? { q: search.q } : {}),
    ...(cursor ? { cursor } : {}),
    limit: PAGE_SIZE,
  };
  return unwrap(api.GET("/api/items", { params: { query }, signal }));
}

export const itemsQueryOptions = (search: ItemSearch) =>
  infiniteQueryOptions({
    queryKey: ["items", "list", search],
    queryFn: ({ pageParam, signal }) => getItems(search, pageParam, signal),
    initialPageParam: null as string | null,
    getNextPageParam: (last: ItemPage) => last.next_cursor ?? null,
    placeholderData: keepPreviousData,
  });

export function useItems(search: ItemSearch) {
  return useInfiniteQuery(itemsQueryOptions(search));
}

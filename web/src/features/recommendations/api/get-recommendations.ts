// GET /api/users/{id}/recommendations: the user's list, each item with a short reason.
import { keepPreviousData, queryOptions, useQuery } from "@tanstack/react-query";

import { api, unwrap, type Schemas } from "@/shared/api/client";
import { filterQuery, type Filters } from "@/shared/lib/filters";

export type Recommendations = Schemas["Recommendations"];

export const RECOMMENDATION_COUNT = 24;

export function getRecommendations(userId: string, filters: Filters, signal?: AbortSignal) {
  return unwrap(
    api.GET("/api/users/{user_id}/recommendations", {
      params: {
        path: { user_id: userId },
        query: { ...filterQuery(filters), k: RECOMMENDATION_COUNT, exclude_seen: true },
      },
      signal,
    }),
  );
}

export const recommendationKeys = {
  user: (userId: string) => ["recommendations", userId] as const,
};

export const recommendationsQueryOptions = (userId: string, filters: Filters) =>
  queryOptions({
    queryKey: [...recommendationKeys.user(userId), filters],
    queryFn: ({ signal }) => getRecommendations(userId, filters, signal),
    // Keep the current list on screen while a like or a filter refreshes it.
    placeholderData: keepPreviousData,
  });

export function useRecommendations(userId: string | undefined, filters: Filters) {
  return useQuery({
    ...recommendationsQueryOptions(userId ?? "", filters),
    enabled: Boolean(userId),
  });
}

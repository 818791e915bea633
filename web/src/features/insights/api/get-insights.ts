// GET /api/insights: the synthetic data behind the model (personas, rating histograms before
// and after calibration, model version and metrics).
import { queryOptions, useQuery } from "@tanstack/react-query";

import { api, unwrap, type Schemas } from "@/shared/api/client";

export type Insights = Schemas["Insights"];
export type HistogramBin = Schemas["HistogramBin"];

export function getInsights(signal?: AbortSignal): Promise<Insights> {
  return unwrap(api.GET("/api/insights", { signal }));
}

export const insightsQueryOptions = () =>
  queryOptions({
    queryKey: ["insights"],
    queryFn: ({ signal }) => getInsights(signal),
    staleTime: 60_000,
  });

/** Each region of the page calls this; TanStack Query makes it one request. */
export function useInsights() {
  return useQuery(insightsQueryOptions());
}

import { QueryClient } from "@tanstack/react-query";

import { ApiError } from "@/shared/api/client";

/** Client errors (4xx) are answers, not hiccups: only network and server errors are retried. */
function retry(failures: number, error: unknown): boolean {
  if (error instanceof ApiError && error.status >= 400 && error.status < 500) return false;
  return failures < 1;
}

export function createQueryClient(): QueryClient {
  return new QueryClient({
    defaultOptions: {
      queries: { retry, staleTime: 30_000, refetchOnWindowFocus: false },
      mutations: { retry: false },
    },
  });
}

// POST /api/users: onboard the shopper from their selection. The id is kept in localStorage
// with that selection, so a reload reuses it (and the likes given since) instead of starting over.
import { queryOptions, useQuery } from "@tanstack/react-query";

import { api, unwrap } from "@/shared/api/client";
import { selectionKey, type Selection } from "@/shared/lib/selection";
import { saveUser, userFor } from "@/shared/lib/user-store";

export function createUser(selection: Selection) {
  return unwrap(
    api.POST("/api/users", {
      body: {
        liked: [...selection.liked],
        disliked: [...selection.disliked],
        categories: [...selection.categories],
      },
    }),
  );
}

/** The id of the user for this selection: the stored one, else a new one (then stored). */
export async function ensureUser(selection: Selection): Promise<string> {
  const stored = userFor(selection);
  if (stored) return stored.id;
  const created = await createUser(selection);
  saveUser({ id: created.id, selection });
  return created.id;
}

export const userQueryOptions = (selection: Selection) =>
  queryOptions({
    queryKey: ["user", selectionKey(selection)],
    queryFn: () => ensureUser(selection),
    staleTime: Infinity,
  });

export function useUser(selection: Selection, enabled: boolean) {
  return useQuery({ ...userQueryOptions(selection), enabled });
}

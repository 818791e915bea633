// POST /api/users/{id}/feedback: a like or dislike from a recommendation card. The service
// updates the user's vector at once; refetching the list shows the change in place.
import { useMutation, useQueryClient } from "@tanstack/react-query";

import { api, unwrap } from "@/shared/api/client";

import { recommendationKeys } from "./get-recommendations";

export type Verdict = "like" | "dislike";

export function giveFeedback(userId: string, itemId: string, kind: Verdict) {
  return unwrap(
    api.POST("/api/users/{user_id}/feedback", {
      params: { path: { user_id: userId } },
      body: { item_id: itemId, kind },
    }),
  );
}

export function useGiveFeedback(userId: string) {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: ({ itemId, kind }: { itemId: string; kind: Verdict; name: string }) =>
      giveFeedback(userId, itemId, kind),
    // Stay pending until the new list is in, so the card's buttons stay disabled till then.
    onSuccess: () =>
      queryClient.invalidateQueries({ queryKey: recommendationKeys.user(userId) }),
  });
}

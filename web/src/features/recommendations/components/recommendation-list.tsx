// The recommendations region: the user (created once per selection), their list with a reason
// per item, and like / dislike buttons that update the list in place.
import { useQueryClient } from "@tanstack/react-query";
import { useEffect, useRef, useState } from "react";

import { ApiError, type Recommendation } from "@/shared/api/client";
import { ItemCard } from "@/shared/components/item-card";
import { EmptyState, ErrorState, GridSkeleton } from "@/shared/components/states";
import type { Filters } from "@/shared/lib/filters";
import type { Selection } from "@/shared/lib/selection";
import { forgetUser } from "@/shared/lib/user-store";

import { userQueryOptions, useUser } from "../api/create-user";
import { useRecommendations } from "../api/get-recommendations";
import { useGiveFeedback, type Verdict } from "../api/give-feedback";

export function RecommendationList({
  selection,
  filters,
  onClearFilters,
}: {
  selection: Selection;
  filters: Filters;
  onClearFilters: () => void;
}) {
  const queryClient = useQueryClient();
  const user = useUser(selection, true);
  const recommendations = useRecommendations(user.data, filters);
  const feedback = useGiveFeedback(user.data ?? "");
  const [announcement, setAnnouncement] = useState("");
  const list = useRef<HTMLUListElement>(null);
  const focusAfterUpdate = useRef<number | null>(null);
  const recreated = useRef(false);

  // A user the service no longer knows (its data was reset): make a new one, once.
  const error = recommendations.error;
  useEffect(() => {
    if (error instanceof ApiError && error.status === 404 && !recreated.current) {
      recreated.current = true;
      forgetUser();
      void queryClient.resetQueries({ queryKey: userQueryOptions(selection).queryKey });
    }
  }, [error, queryClient, selection]);

  // After a like the card leaves the list: keep keyboard focus where it was in the grid.
  const data = recommendations.data;
  useEffect(() => {
    const index = focusAfterUpdate.current;
    if (index === null || !data) return;
    focusAfterUpdate.current = null;
    const buttons = list.current?.querySelectorAll<HTMLButtonElement>("button[data-verdict=like]");
    if (buttons?.length) buttons[Math.min(index, buttons.length - 1)]?.focus();
  }, [data]);

  if (user.isPending || (user.isSuccess && recommendations.isPending)) {
    return <GridSkeleton label="Finding recommendations…" />;
  }
  if (user.isError) {
    return (
      <ErrorState
        title="We could not set up your profile."
        error={user.error}
        onRetry={() => void user.refetch()}
      />
    );
  }
  if (recommendations.isError && !data) {
    return (
      <ErrorState
        title="Recommendations could not be loaded."
        error={recommendations.error}
        onRetry={() => void recommendations.refetch()}
      />
    );
  }
  if (!data?.items.length) {
    const filtered = Object.keys(filters).length > 0;
    return (
      <EmptyState
        title={
          filtered
            ? "No recommendations match these filters."
            : "Nothing left to recommend: you have seen it all."
        }
      >
        {filtered && (
          <button type="button" className="button" onClick={onClearFilters}>
            Show all recommendations
          </button>
        )}
      </EmptyState>
    );
  }

  const give = (item: Recommendation["item"], kind: Verdict, index: number) => {
    focusAfterUpdate.current = index;
    setAnnouncement("");
    feedback.mutate(
      { itemId: item.id, kind, name: item.name },
      {
        onSuccess: () =>
          setAnnouncement(
            `${kind === "like" ? "Liked" : "Disliked"} ${item.name}. Your recommendations were updated.`,
          ),
        onError: () => {
          focusAfterUpdate.current = null;
        },
      },
    );
  };

  return (
    <div aria-busy={recommendations.isFetching}>
      <p className="visually-hidden" role="status">
        {announcement}
      </p>
      {feedback.isError && (
        <ErrorState
          title="Your feedback was not saved."
          error={feedback.error}
          onRetry={() => feedback.variables && feedback.mutate(feedback.variables)}
        />
      )}
      {recommendations.isError && (
        <ErrorState
          title="The list could not be refreshed."
          error={recommendations.error}
          onRetry={() => void recommendations.refetch()}
        />
      )}
      <ul className="grid" ref={list}>
        {data.items.map(({ item, reason }, index) => {
          const busy = feedback.isPending && feedback.variables?.itemId === item.id;
          return (
            <li key={item.id}>
              <ItemCard item={item}>
                <p className="card__reason">{reason}</p>
                <div className="card__actions">
                  <button
                    type="button"
                    className="toggle toggle--like"
                    data-verdict="like"
                    disabled={busy}
                    aria-label={`Like ${item.name}`}
                    onClick={() => give(item, "like", index)}
                  >
                    <span aria-hidden="true">♥ </span>Like
                  </button>
                  <button
                    type="button"
                    className="toggle toggle--dislike"
                    disabled={busy}
                    aria-label={`Dislike ${item.name}`}
                    onClick={() => give(item, "dislike", index)}
                  >
                    <span aria-hidden="true">✕ </span>Dislike
                  </button>
                </div>
              </ItemCard>
            </li>
          );
        })}
      </ul>
    </div>
  );
}

// The catalogue grid to pick from: like or dislike each item (toggle buttons), page by page.
import type { Item } from "@/shared/api/client";
import { ItemCard } from "@/shared/components/item-card";
import { EmptyState, ErrorState, GridSkeleton } from "@/shared/components/states";
import { verdictOf, type Selection } from "@/shared/lib/selection";

import { useItems, type ItemSearch } from "../api/get-items";

function Verdicts({
  item,
  verdict,
  onToggle,
}: {
  item: Item;
  verdict: "like" | "dislike" | null;
  onToggle: (id: string, verdict: "like" | "dislike") => void;
}) {
  return (
    <div className="card__actions">
      <button
        type="button"
        className="toggle toggle--like"
        aria-pressed={verdict === "like"}
        aria-label={`Like ${item.name}`}
        onClick={() => onToggle(item.id, "like")}
      >
        <span aria-hidden="true">♥ </span>Like
      </button>
      <button
        type="button"
        className="toggle toggle--dislike"
        aria-pressed={verdict === "dislike"}
        aria-label={`Dislike ${item.name}`}
        onClick={() => onToggle(item.id, "dislike")}
      >
        <span aria-hidden="true">✕ </span>Dislike
      </button>
    </div>
  );
}

export function PickGrid({
  search,
  selection,
  onToggle,
  onReset,
}: {
  search: ItemSearch;
  selection: Selection;
  onToggle: (id: string, verdict: "like" | "dislike") => void;
  onReset: () => void;
}) {
  const items = useItems(search);

  if (items.isPending) return <GridSkeleton label="Loading items…" />;
  if (items.isError && !items.data) {
    return (
      <ErrorState
        title="Items could not be loaded."
        error={items.error}
        onRetry={() => void items.refetch()}
      />
    );
  }
  const pages = items.data.pages;
  const total = pages[0]?.total ?? 0;
  const shown = pages.flatMap((page) => page.items);
  if (!shown.length) {
    return (
      <EmptyState title="No items match your search and filters.">
        <button type="button" className="button" onClick={onReset}>
          Clear search and filters
        </button>
      </EmptyState>
    );
  }
  return (
    <div aria-busy={items.isFetching}>
      <p className="muted" aria-live="polite">
        Showing {shown.length} of {total} items
      </p>
      <ul className="grid">
        {shown.map((item) => {
          const verdict = verdictOf(selection, item.id);
          return (
            <li key={item.id}>
              <ItemCard item={item} highlight={verdict}>
                <Verdicts item={item} verdict={verdict} onToggle={onToggle} />
              </ItemCard>
            </li>
          );
        })}
      </ul>
      {items.isFetchNextPageError && (
        <ErrorState
          title="More items could not be loaded."
          error={items.error}
          onRetry={() => void items.fetchNextPage()}
        />
      )}
      {items.hasNextPage && (
        <button
          type="button"
          className="button more"
          disabled={items.isFetchingNextPage}
          onClick={() => void items.fetchNextPage()}
        >
          {items.isFetchingNextPage ? "Loading more…" : "Show more items"}
        </button>
      )}
    </div>
  );
}

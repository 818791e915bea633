// Categories with their counts; a picked category is sent with the likes and narrows the grid.
import { useState } from "react";

import { useCategories } from "@/shared/api/get-categories";
import { ErrorState, LoadingState } from "@/shared/components/states";

const SHOWN_AT_FIRST = 12;

export function CategoryPicker({
  selected,
  onToggle,
}: {
  selected: readonly string[];
  onToggle: (category: string) => void;
}) {
  const categories = useCategories();
  const [showAll, setShowAll] = useState(false);

  let body;
  if (categories.isPending) {
    body = <LoadingState label="Loading categories…" />;
  } else if (categories.isError) {
    body = (
      <ErrorState
        title="Categories could not be loaded."
        error={categories.error}
        onRetry={() => void categories.refetch()}
      />
    );
  } else if (!categories.data.article_type.length) {
    body = <p className="muted">The catalogue has no categories yet.</p>;
  } else {
    const all = categories.data.article_type;
    // Picked categories stay visible even when they are not among the most common.
    const shown = showAll
      ? all
      : all.filter((c, i) => i < SHOWN_AT_FIRST || selected.includes(c.value));
    body = (
      <>
        <ul className="chips">
          {shown.map(({ value, count }) => (
            <li key={value}>
              <button
                type="button"
                className="chip"
                aria-pressed={selected.includes(value)}
                onClick={() => onToggle(value)}
              >
                {value} <span className="chip__count">{count}</span>
              </button>
            </li>
          ))}
        </ul>
        {all.length > SHOWN_AT_FIRST && (
          <button
            type="button"
            className="button button--quiet"
            aria-expanded={showAll}
            onClick={() => setShowAll((v) => !v)}
          >
            {showAll ? "Show fewer categories" : `Show all ${all.length} categories`}
          </button>
        )}
      </>
    );
  }

  return (
    <section aria-labelledby="categories-heading" className="panel">
      <h2 id="categories-heading">Categories</h2>
      <p className="muted">Pick the kinds of things you shop for (optional).</p>
      {body}
    </section>
  );
}

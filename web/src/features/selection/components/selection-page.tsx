// Route "/": pick categories and items you like (at least three), then see recommendations.
// Everything picked lives in the URL, so a reload or a shared link keeps it.
import { useId, useRef, useState } from "react";
import { useNavigate, useSearchParams } from "react-router";

import { FilterBar } from "@/shared/components/filter-bar";
import { readFilters, withFilter, withoutFilters, type FilterField } from "@/shared/lib/filters";
import {
  emptySelection,
  readSelection,
  selectionSearch,
  toggleCategory,
  toggleVerdict,
  withSelection,
  type Selection,
} from "@/shared/lib/selection";

import { CategoryPicker } from "./category-picker";
import { PickGrid } from "./pick-grid";
import { SearchBox } from "./search-box";
import { SelectionProgress, YourPicks } from "./selection-progress";
import { useStickyOffset } from "./use-sticky-offset";

const FIELDS: readonly FilterField[] = ["gender", "base_colour", "usage"];

export function SelectionPage() {
  const [params, setParams] = useSearchParams();
  const navigate = useNavigate();
  const selection = readSelection(params);
  const filters = readFilters(params, FIELDS);
  const q = params.get("q") ?? "";
  const bar = useRef<HTMLElement>(null);
  const toolbar = useRef<HTMLDivElement>(null);
  useStickyOffset(bar, toolbar);
  // Narrow screens: the filters fold behind a toggle, so the row kept in view under the bar
  // is one search line, not four rows of selects (CSS shows them always from 720px up).
  const [filtersOpen, setFiltersOpen] = useState(false);
  const filtersId = useId();
  const activeFilters = FIELDS.filter((field) => filters[field]).length;

  // Picks replace the history entry: Back leaves the page instead of undoing each click.
  const update = (next: URLSearchParams) =>
    setParams(next, { replace: true, preventScrollReset: true });
  const select = (next: Selection) => update(withSelection(params, next));
  const remove = (id: string) =>
    select({
      ...selection,
      liked: selection.liked.filter((x) => x !== id),
      disliked: selection.disliked.filter((x) => x !== id),
    });

  return (
    <>
      <title>Pick items you like · tastemaker</title>
      <div className="page-intro">
        <h1>Find your style</h1>
        <p className="lede">
          Like at least three items and we will recommend more at once. Dislikes and categories
          help too.
        </p>
      </div>
      <SelectionProgress
        ref={bar}
        selection={selection}
        onGo={() => navigate(`/recommendations${selectionSearch(selection)}`)}
        onClear={() => select(emptySelection)}
      />
      <YourPicks selection={selection} onRemove={remove} />
      <CategoryPicker
        selected={selection.categories}
        onToggle={(category) => select(toggleCategory(selection, category))}
      />
      <section aria-labelledby="items-heading" className="panel">
        <h2 id="items-heading">Items</h2>
        <div className="toolbar" ref={toolbar}>
          <SearchBox value={q} onSearch={(next) => update(withFilter(params, "q", next))} />
          <button
            type="button"
            className="button toolbar__toggle"
            aria-expanded={filtersOpen}
            aria-controls={filtersId}
            onClick={() => setFiltersOpen((open) => !open)}
          >
            Filters{activeFilters ? ` (${activeFilters})` : ""}
          </button>
          <div
            id={filtersId}
            className="toolbar__filters"
            data-open={filtersOpen ? "true" : "false"}
          >
            <FilterBar
              fields={FIELDS}
              filters={filters}
              onChange={(field, value) => update(withFilter(params, field, value))}
              onClear={() => update(withoutFilters(params, FIELDS))}
            />
          </div>
        </div>
        <PickGrid
          search={{ filters, categories: selection.categories, q }}
          selection={selection}
          onToggle={(id, verdict) => select(toggleVerdict(selection, id, verdict))}
          onReset={() =>
            update(withSelection(withoutFilters(params, [...FIELDS, "q"]), {
              ...selection,
              categories: [],
            }))
          }
        />
      </section>
    </>
  );
}

// Route "/recommendations": recommendations for the selection in the URL, with filters and a
// way back to refine the selection.
import { Link, useSearchParams } from "react-router";

import { FilterBar } from "@/shared/components/filter-bar";
import { EmptyState } from "@/shared/components/states";
import { readFilters, withFilter, withoutFilters, type FilterField } from "@/shared/lib/filters";
import {
  isEmptySelection,
  MIN_LIKES,
  readSelection,
  selectionSearch,
  type Selection,
} from "@/shared/lib/selection";

import { RecommendationList } from "./recommendation-list";

const FIELDS: readonly FilterField[] = ["gender", "master_category", "usage"];

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? "" : "s"}`;
}

function summary(selection: Selection): string {
  const parts = [
    selection.liked.length && `${plural(selection.liked.length, "liked item")}`,
    selection.disliked.length && `${plural(selection.disliked.length, "dislike")}`,
    selection.categories.length && `${plural(selection.categories.length, "category")}`,
  ].filter(Boolean);
  return `Based on ${parts.join(", ")}; like or dislike any of them to teach it more.`;
}

export function RecommendationsPage() {
  const [params, setParams] = useSearchParams();
  const selection = readSelection(params);
  const filters = readFilters(params, FIELDS);
  const update = (next: URLSearchParams) =>
    setParams(next, { replace: true, preventScrollReset: true });

  return (
    <>
      <title>Your recommendations · tastemaker</title>
      <div className="page-intro">
        <h1>Your recommendations</h1>
        {!isEmptySelection(selection) && <p className="lede">{summary(selection)}</p>}
        <Link className="back-link" to={`/${selectionSearch(selection)}`}>
          ← Refine your selection
        </Link>
      </div>
      {isEmptySelection(selection) ? (
        <EmptyState title="Nothing picked yet.">
          <p>
            Like at least {MIN_LIKES} items and your recommendations appear here.{" "}
            <Link to="/">Pick items you like</Link>
          </p>
        </EmptyState>
      ) : (
        <section aria-labelledby="recommendations-heading" className="panel">
          <h2 id="recommendations-heading">Picked for you</h2>
          <FilterBar
            fields={FIELDS}
            filters={filters}
            onChange={(field, value) => update(withFilter(params, field, value))}
            onClear={() => update(withoutFilters(params, FIELDS))}
          />
          <RecommendationList
            selection={selection}
            filters={filters}
            onClearFilters={() => update(withoutFilters(params, FIELDS))}
          />
        </section>
      )}
    </>
  );
}

// Labelled selects over catalogue fields, their options and counts from GET /api/categories.
import { useId } from "react";

import { useCategories } from "@/shared/api/get-categories";
import { FILTER_LABELS, type FilterField, type Filters } from "@/shared/lib/filters";

import { ErrorState, LoadingState } from "./states";

export function FilterBar({
  fields,
  filters,
  onChange,
  onClear,
}: {
  fields: readonly FilterField[];
  filters: Filters;
  onChange: (field: FilterField, value: string) => void;
  onClear: () => void;
}) {
  const categories = useCategories();
  const id = useId();
  if (categories.isPending) return <LoadingState label="Loading filters…" />;
  if (categories.isError) {
    return (
      <ErrorState
        title="Filters are unavailable."
        error={categories.error}
        onRetry={() => void categories.refetch()}
      />
    );
  }
  const shown = fields.filter((field) => categories.data[field].length > 0);
  if (!shown.length) return <p className="muted">No filters: the catalogue is empty.</p>;
  const active = fields.some((field) => filters[field]);
  return (
    <fieldset className="filters">
      <legend className="visually-hidden">Filters</legend>
      {shown.map((field) => (
        <div className="field" key={field}>
          <label htmlFor={`${id}-${field}`}>{FILTER_LABELS[field]}</label>
          <select
            id={`${id}-${field}`}
            value={filters[field] ?? ""}
            onChange={(event) => onChange(field, event.target.value)}
          >
            <option value="">All</option>
            {categories.data[field].map(({ value, count }) => (
              <option key={value} value={value}>
                {value} ({count})
              </option>
            ))}
          </select>
        </div>
      ))}
      {active && (
        <button type="button" className="button button--quiet" onClick={onClear}>
          Clear filters
        </button>
      )}
    </fieldset>
  );
}

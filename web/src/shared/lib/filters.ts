// Catalogue filters kept in the URL: one value per field (`gender=Women`), as the service's
// query parameters of the same names expect.
import type { Categories } from "@/shared/api/get-categories";

export type FilterField = keyof Categories;
export type Filters = Partial<Record<FilterField, string>>;

export const FILTER_LABELS: Record<FilterField, string> = {
  gender: "Gender",
  master_category: "Category",
  sub_category: "Subcategory",
  article_type: "Type",
  base_colour: "Colour",
  season: "Season",
  usage: "Occasion",
};

export function readFilters(params: URLSearchParams, fields: readonly FilterField[]): Filters {
  const filters: Filters = {};
  for (const field of fields) {
    const value = params.get(field);
    if (value) filters[field] = value;
  }
  return filters;
}

/** A copy of `params` with `field` set to `value` (or removed when empty). */
export function withFilter(params: URLSearchParams, field: string, value: string): URLSearchParams {
  const next = new URLSearchParams(params);
  if (value) next.set(field, value);
  else next.delete(field);
  return next;
}

export function withoutFilters(params: URLSearchParams, fields: readonly string[]): URLSearchParams {
  const next = new URLSearchParams(params);
  for (const field of fields) next.delete(field);
  return next;
}

/** The filters as the service's query parameters (lists of one value). */
export function filterQuery(filters: Filters): Partial<Record<FilterField, string[]>> {
  const query: Partial<Record<FilterField, string[]>> = {};
  for (const [field, value] of Object.entries(filters) as [FilterField, string][]) {
    query[field] = [value];
  }
  return query;
}

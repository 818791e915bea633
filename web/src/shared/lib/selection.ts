// What a shopper picked, kept in the URL (`like`, `dislike`, `cat`), so a reload or a shared
// link keeps it. Both the selection and the recommendations pages read and write it here.

export type Selection = {
  readonly liked: readonly string[];
  readonly disliked: readonly string[];
  readonly categories: readonly string[];
};

/** Likes needed before recommendations are worth showing. */
export const MIN_LIKES = 3;
/** The service accepts at most this many ids per list. */
const MAX_PER_LIST = 200;

const PARAM = { liked: "like", disliked: "dislike", categories: "cat" } as const;

export const emptySelection: Selection = { liked: [], disliked: [], categories: [] };

function unique(values: readonly string[]): string[] {
  return [...new Set(values.map((v) => v.trim()).filter(Boolean))].slice(0, MAX_PER_LIST);
}

export function readSelection(params: URLSearchParams): Selection {
  const liked = unique(params.getAll(PARAM.liked));
  // An item is either liked or disliked; a hand-edited URL with both keeps the like.
  const disliked = unique(params.getAll(PARAM.disliked)).filter((id) => !liked.includes(id));
  return { liked, disliked, categories: unique(params.getAll(PARAM.categories)) };
}

/** A copy of `params` with the selection written in (other parameters kept). */
export function withSelection(params: URLSearchParams, selection: Selection): URLSearchParams {
  const next = new URLSearchParams(params);
  for (const [field, name] of Object.entries(PARAM) as [keyof Selection, string][]) {
    next.delete(name);
    for (const value of selection[field]) next.append(name, value);
  }
  return next;
}

/** `?like=…&dislike=…&cat=…` for a link carrying the selection alone. */
export function selectionSearch(selection: Selection): string {
  const search = withSelection(new URLSearchParams(), selection).toString();
  return search ? `?${search}` : "";
}

/** A canonical key: two selections with the same items in another order are the same. */
export function selectionKey(selection: Selection): string {
  const part = (values: readonly string[]) => [...values].sort().join(",");
  return `${part(selection.liked)}|${part(selection.disliked)}|${part(selection.categories)}`;
}

export function isEmptySelection(selection: Selection): boolean {
  return !selection.liked.length && !selection.disliked.length && !selection.categories.length;
}

type Verdict = "like" | "dislike" | null;

export function verdictOf(selection: Selection, id: string): Verdict {
  if (selection.liked.includes(id)) return "like";
  if (selection.disliked.includes(id)) return "dislike";
  return null;
}

/** Toggle a like or a dislike of `id` (setting one clears the other). */
export function toggleVerdict(selection: Selection, id: string, verdict: "like" | "dislike"): Selection {
  const current = verdictOf(selection, id);
  const liked = selection.liked.filter((x) => x !== id);
  const disliked = selection.disliked.filter((x) => x !== id);
  if (current !== verdict) (verdict === "like" ? liked : disliked).push(id);
  return { ...selection, liked, disliked };
}

export function toggleCategory(selection: Selection, category: string): Selection {
  const categories = selection.categories.includes(category)
    ? selection.categories.filter((c) => c !== category)
    : [...selection.categories, category];
  return { ...selection, categories };
}

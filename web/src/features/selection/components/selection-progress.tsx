// How far the shopper is: likes against the three needed and the way on (a bar that stays in
// view), then the picks so far, each removable.
import { useQueries } from "@tanstack/react-query";
import type { Ref } from "react";

import { itemQueryOptions } from "@/shared/api/get-item";
import { MIN_LIKES, type Selection } from "@/shared/lib/selection";

function PickedList({
  label,
  ids,
  onRemove,
}: {
  label: string;
  ids: readonly string[];
  onRemove: (id: string) => void;
}) {
  // Names of picks made on other pages of the grid (or before a reload) come from the cache
  // or one small request each; until then the id stands in.
  const items = useQueries({ queries: ids.map((id) => itemQueryOptions(id)) });
  if (!ids.length) return null;
  return (
    <ul className="picks" aria-label={label}>
      {ids.map((id, i) => {
        const name = items[i]?.data?.name ?? `item ${id}`;
        return (
          <li key={id}>
            <button
              type="button"
              className="pick"
              aria-label={`Remove ${name}`}
              onClick={() => onRemove(id)}
            >
              {name}
              <span aria-hidden="true"> ×</span>
            </button>
          </li>
        );
      })}
    </ul>
  );
}

export function SelectionProgress({
  ref,
  selection,
  onGo,
  onClear,
}: {
  ref?: Ref<HTMLElement>;
  selection: Selection;
  onGo: () => void;
  onClear: () => void;
}) {
  const liked = selection.liked.length;
  const missing = Math.max(0, MIN_LIKES - liked);
  const ready = missing === 0;
  const picked = liked + selection.disliked.length + selection.categories.length;
  const message = ready
    ? `Ready: ${liked} liked${selection.disliked.length ? `, ${selection.disliked.length} disliked` : ""}.`
    : `Like ${missing} more item${missing === 1 ? "" : "s"} to see recommendations.`;

  return (
    <section ref={ref} className="progress panel" aria-labelledby="progress-heading">
      <h2 id="progress-heading" className="visually-hidden">
        Your picks
      </h2>
      <div className="progress__row">
        <div className="progress__meter">
          <label htmlFor="likes-progress">
            {Math.min(liked, MIN_LIKES)} of {MIN_LIKES} likes
          </label>
          <progress id="likes-progress" max={MIN_LIKES} value={Math.min(liked, MIN_LIKES)} />
        </div>
        <p className="progress__message" role="status">
          {message}
        </p>
        <div className="progress__actions">
          {picked > 0 && (
            <button type="button" className="button button--quiet" onClick={onClear}>
              Start over
            </button>
          )}
          <button type="button" className="button button--primary" disabled={!ready} onClick={onGo}>
            See recommendations
          </button>
        </div>
      </div>
    </section>
  );
}

export function YourPicks({
  selection,
  onRemove,
}: {
  selection: Selection;
  onRemove: (id: string) => void;
}) {
  if (!selection.liked.length && !selection.disliked.length) return null;
  return (
    <div className="your-picks">
      <PickedList label="Liked items" ids={selection.liked} onRemove={onRemove} />
      <PickedList label="Disliked items" ids={selection.disliked} onRemove={onRemove} />
    </div>
  );
}

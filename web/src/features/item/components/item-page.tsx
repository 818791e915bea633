// Route "/items/:id": an item's details and the items most similar to it.
import { useId, useState } from "react";
import { Link, useLocation, useParams } from "react-router";

import { ApiError, type Item } from "@/shared/api/client";
import { useItem } from "@/shared/api/get-item";
import { ItemCard, ItemImage } from "@/shared/components/item-card";
import { EmptyState, ErrorState, GridSkeleton, LoadingState } from "@/shared/components/states";
import { excerpt, formatPrice } from "@/shared/lib/item-text";

import { useSimilarItems } from "../api/get-similar-items";

/** Characters of a description shown before "Show the full description". */
const DESCRIPTION_PREVIEW = 280;

const DETAILS: [keyof Item, string][] = [
  ["brand", "Brand"],
  ["price", "Price"],
  ["gender", "Gender"],
  ["master_category", "Category"],
  ["sub_category", "Subcategory"],
  ["article_type", "Type"],
  ["base_colour", "Colour"],
  ["season", "Season"],
  ["year", "Year"],
  ["usage", "Occasion"],
];

function detailValue(item: Item, field: keyof Item): string {
  return field === "price" && item.price != null ? formatPrice(item.price) : String(item[field]);
}

function Description({ text }: { text: string }) {
  const [open, setOpen] = useState(false);
  const id = useId();
  const short = excerpt(text, DESCRIPTION_PREVIEW);
  const cut = short !== text.replace(/\s+/g, " ").trim();
  return (
    <section aria-labelledby={`${id}-heading`} className="item-detail__description">
      <h2 id={`${id}-heading`}>Description</h2>
      <p id={`${id}-text`}>{open || !cut ? text : short}</p>
      {cut ? (
        <button
          type="button"
          className="button button--quiet"
          aria-expanded={open}
          aria-controls={`${id}-text`}
          onClick={() => setOpen((was) => !was)}
        >
          {open ? "Show less" : "Show the full description"}
        </button>
      ) : null}
    </section>
  );
}

function ItemDetails({ id }: { id: string }) {
  const item = useItem(id);
  if (item.isPending) return <LoadingState label="Loading item…" />;
  if (item.isError) {
    const missing = item.error instanceof ApiError && item.error.status === 404;
    return missing ? (
      <>
        <h1>Item not found</h1>
        <EmptyState title={`There is no item ${id} in the catalogue.`}>
          <Link to="/">Browse the catalogue</Link>
        </EmptyState>
      </>
    ) : (
      <>
        <h1>Item</h1>
        <ErrorState
          title="This item could not be loaded."
          error={item.error}
          onRetry={() => void item.refetch()}
        />
      </>
    );
  }
  const shown = DETAILS.filter(([field]) => item.data[field] != null && item.data[field] !== "");
  return (
    <article className="item-detail">
      <title>{`${item.data.name} · tastemaker`}</title>
      <div className="item-detail__media">
        <ItemImage item={item.data} size="large" />
      </div>
      <div>
        <h1>{item.data.name}</h1>
        {shown.length ? (
          <dl className="details">
            {shown.map(([field, label]) => (
              <div key={field}>
                <dt>{label}</dt>
                <dd>{detailValue(item.data, field)}</dd>
              </div>
            ))}
          </dl>
        ) : (
          <p className="muted">No further details for this item.</p>
        )}
        {item.data.description ? <Description text={item.data.description} /> : null}
      </div>
    </article>
  );
}

function SimilarItems({ id }: { id: string }) {
  const similar = useSimilarItems(id);
  let body;
  if (similar.isPending) body = <GridSkeleton label="Loading similar items…" count={4} />;
  else if (similar.isError) {
    body = (
      <ErrorState
        title="Similar items could not be loaded."
        error={similar.error}
        onRetry={() => void similar.refetch()}
      />
    );
  } else if (!similar.data.items.length) {
    body = <EmptyState title="No similar items found." />;
  } else {
    body = (
      <ul className="grid">
        {similar.data.items.map(({ item }) => (
          <li key={item.id}>
            <ItemCard item={item} />
          </li>
        ))}
      </ul>
    );
  }
  return (
    <section aria-labelledby="similar-heading" className="panel">
      <h2 id="similar-heading">Similar items</h2>
      {body}
    </section>
  );
}

export function ItemPage() {
  const { id = "" } = useParams();
  const from = (useLocation().state as { from?: unknown } | null)?.from;
  const back = typeof from === "string" && from.startsWith("/") ? from : "/";
  return (
    <>
      <Link className="back-link" to={back}>
        ← Back
      </Link>
      <ItemDetails id={id} />
      <SimilarItems id={id} />
    </>
  );
}

// A catalogue item as a card: image, name (linking to its page), a short description, brand
// and price when the catalogue has them, and whatever the page adds below (a reason, like and
// dislike buttons).
import type { ReactNode } from "react";
import { Link, useLocation } from "react-router";

import type { Item } from "@/shared/api/client";
import { formatPrice } from "@/shared/lib/item-text";

export function describe(item: Item): string {
  return [item.base_colour, item.article_type ?? item.sub_category, item.gender]
    .filter(Boolean)
    .join(" · ");
}

export function ItemImage({ item, size = "card" }: { item: Item; size?: "card" | "large" }) {
  if (!item.image_url) {
    return <div className={`no-image no-image--${size}`}>No image</div>;
  }
  return (
    <img
      className={`item-image item-image--${size}`}
      src={item.image_url}
      alt={item.name}
      width={60}
      height={80}
      loading={size === "card" ? "lazy" : "eager"}
      decoding="async"
    />
  );
}

export function ItemCard({
  item,
  children,
  highlight,
}: {
  item: Item;
  children?: ReactNode;
  highlight?: "like" | "dislike" | null;
}) {
  // The item page links back to where the shopper came from, selection and filters included.
  const location = useLocation();
  return (
    <article className={`card${highlight ? ` card--${highlight}` : ""}`}>
      <div className="card__media">
        <ItemImage item={item} />
      </div>
      <h3 className="card__title">
        <Link
          to={`/items/${encodeURIComponent(item.id)}`}
          state={{ from: `${location.pathname}${location.search}` }}
        >{item.name}</Link>
      </h3>
      <p className="card__meta">{describe(item)}</p>
      {item.brand || item.price != null ? (
        <p className="card__retail">
          {item.brand ? <span className="card__brand">{item.brand}</span> : null}
          {item.brand && item.price != null ? " · " : null}
          {item.price != null ? (
            <data className="card__price" value={item.price}>
              {formatPrice(item.price)}
            </data>
          ) : null}
        </p>
      ) : null}
      {children}
    </article>
  );
}

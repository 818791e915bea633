import type { Item, Schemas } from "@/shared/api/client";

export function item(id: string, name: string, extra: Partial<Item> = {}): Item {
  return {
    id,
    name,
    gender: "Women",
    master_category: "Apparel",
    sub_category: "Topwear",
    article_type: "Shirts",
    base_colour: "Navy Blue",
    season: "Summer",
    year: 2020,
    usage: "Casual",
    image_url: `/api/items/${id}/image`,
    ...extra,
  };
}

export const ITEMS: Item[] = [
  item("1", "Navy Linen Shirt"),
  item("2", "White Oxford Shirt", { base_colour: "White" }),
  item("3", "Black Slim Jeans", { article_type: "Jeans", sub_category: "Bottomwear" }),
  item("4", "Red Running Shoes", { article_type: "Sports Shoes", master_category: "Footwear" }),
  item("5", "Grey Wool Sweater", { article_type: "Sweaters", image_url: null }),
];

export const CATEGORIES: Schemas["Categories"] = {
  gender: [
    { value: "Women", count: 4 },
    { value: "Men", count: 1 },
  ],
  master_category: [
    { value: "Apparel", count: 4 },
    { value: "Footwear", count: 1 },
  ],
  sub_category: [{ value: "Topwear", count: 3 }],
  article_type: [
    { value: "Shirts", count: 2 },
    { value: "Jeans", count: 1 },
    { value: "Sports Shoes", count: 1 },
    { value: "Sweaters", count: 1 },
  ],
  base_colour: [
    { value: "Navy Blue", count: 3 },
    { value: "White", count: 1 },
  ],
  season: [{ value: "Summer", count: 5 }],
  usage: [{ value: "Casual", count: 5 }],
};

export function page(items: Item[], next: string | null = null, total = items.length) {
  return { items, next_cursor: next, total };
}

export function recommendations(items: Item[], reason = (i: Item) => `because you liked ${i.name}`) {
  return {
    user_id: "u1",
    model_version: "content:test",
    items: items.map((i, n) => ({ item: i, score: 1 - n / 10, reason: reason(i) })),
  };
}

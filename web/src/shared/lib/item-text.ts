// How an item's retail fields read on screen: its price, and the start of a long description.

/**
 * A price as the shopper's locale writes numbers, with two decimals. The catalogue does not say
 * its currency (prices are stored as imported), so no symbol is guessed.
 */
export function formatPrice(price: number): string {
  return new Intl.NumberFormat(undefined, {
    minimumFractionDigits: 2,
    maximumFractionDigits: 2,
  }).format(price);
}

/** The start of `text`, at most `limit` characters, cut at a word and ended with "…". */
export function excerpt(text: string, limit: number): string {
  const flat = text.replace(/\s+/g, " ").trim();
  if (flat.length <= limit) return flat;
  const cut = flat.slice(0, limit - 1);
  const space = cut.lastIndexOf(" ");
  return `${(space > 0 ? cut.slice(0, space) : cut).replace(/[,;:.-]+$/, "")}…`;
}

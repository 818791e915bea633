import { describe, expect, it } from "vitest";

import { excerpt, formatPrice } from "./item-text";

describe("item text", () => {
  it("writes prices with two decimals and no guessed currency", () => {
    expect(formatPrice(34.99)).toMatch(/^34[.,]99$/);
    expect(formatPrice(15)).toMatch(/^15[.,]00$/);
  });

  it("keeps a short text whole and cuts a long one at a word", () => {
    expect(excerpt("Jersey top with\nnarrow straps.", 100)).toBe("Jersey top with narrow straps.");
    const cut = excerpt("Soft, fine-knit jumper in merino wool, with long sleeves.", 30);
    expect(cut).toBe("Soft, fine-knit jumper in…");
    expect(cut.length).toBeLessThanOrEqual(30);
  });
});

import { describe, expect, it } from "vitest";

import {
  readSelection,
  selectionKey,
  selectionSearch,
  toggleCategory,
  toggleVerdict,
  withSelection,
} from "./selection";

describe("selection in the URL", () => {
  it("round-trips through search parameters, keeping other parameters", () => {
    const selection = { liked: ["1", "2"], disliked: ["3"], categories: ["Sports Shoes"] };
    const params = withSelection(new URLSearchParams("q=navy"), selection);
    expect(params.get("q")).toBe("navy");
    expect(readSelection(params)).toEqual(selection);
    expect(selectionSearch(selection)).toBe("?like=1&like=2&dislike=3&cat=Sports+Shoes");
  });

  it("drops duplicates and keeps the like when an id is both liked and disliked", () => {
    const selection = readSelection(new URLSearchParams("like=1&like=1&dislike=1&dislike=2&like="));
    expect(selection).toEqual({ liked: ["1"], disliked: ["2"], categories: [] });
  });

  it("toggles verdicts: a like clears a dislike, a second like removes it", () => {
    let selection = readSelection(new URLSearchParams("dislike=7"));
    selection = toggleVerdict(selection, "7", "like");
    expect(selection).toMatchObject({ liked: ["7"], disliked: [] });
    selection = toggleVerdict(selection, "7", "like");
    expect(selection).toMatchObject({ liked: [], disliked: [] });
    expect(toggleCategory(toggleCategory(selection, "Jeans"), "Jeans").categories).toEqual([]);
  });

  it("keys a selection regardless of order", () => {
    const a = { liked: ["1", "2"], disliked: [], categories: ["x"] };
    const b = { liked: ["2", "1"], disliked: [], categories: ["x"] };
    expect(selectionKey(a)).toBe(selectionKey(b));
    expect(selectionKey(a)).not.toBe(selectionKey({ ...a, disliked: ["3"] }));
  });
});

import { screen, waitFor, within } from "@testing-library/react";
import { describe, expect, it } from "vitest";

import { CATEGORIES, ITEMS, page } from "@/test/fixtures";
import { json, mockApi, problem } from "@/test/mock-api";
import { currentUrl, renderPage } from "@/test/render";

import { SelectionPage } from "./selection-page";

function catalogue(items = ITEMS) {
  return mockApi({
    "GET /api/categories": () => json(CATEGORIES),
    "GET /api/items": () => json(page(items)),
    "GET /api/items/:id": (_, { id }) => json(ITEMS.find((i) => i.id === id)),
  });
}

describe("selection page", () => {
  it("shows categories with counts and an item grid with images", async () => {
    catalogue();
    renderPage(<SelectionPage />);

    expect(screen.getByRole("heading", { level: 1, name: "Find your style" })).toBeInTheDocument();
    const categories = screen.getByRole("region", { name: "Categories" });
    expect(await within(categories).findByRole("button", { name: "Shirts 2" })).toBeInTheDocument();

    const grid = screen.getByRole("region", { name: "Items" });
    expect(await within(grid).findByRole("img", { name: "Navy Linen Shirt" })).toHaveAttribute(
      "src",
      "/api/items/1/image",
    );
    expect(within(grid).getByText("No image")).toBeInTheDocument(); // item 5 has none
    expect(within(grid).getByRole("link", { name: "Navy Linen Shirt" })).toHaveAttribute(
      "href",
      "/items/1",
    );
  });

  it("needs three likes before it lets you go, and keeps the picks in the URL", async () => {
    catalogue();
    const { user } = renderPage(<SelectionPage />);
    const go = screen.getByRole("button", { name: "See recommendations" });
    expect(go).toBeDisabled();
    expect(screen.getByText("Like 3 more items to see recommendations.")).toHaveAttribute(
      "role",
      "status",
    );

    await user.click(await screen.findByRole("button", { name: "Like Navy Linen Shirt" }));
    await user.click(screen.getByRole("button", { name: "Like White Oxford Shirt" }));
    expect(screen.getByText("Like 1 more item to see recommendations.")).toBeInTheDocument();
    expect(go).toBeDisabled();
    await user.click(screen.getByRole("button", { name: "Like Black Slim Jeans" }));
    await user.click(screen.getByRole("button", { name: "Dislike Red Running Shoes" }));

    expect(screen.getByRole("button", { name: "Like Navy Linen Shirt" })).toHaveAttribute(
      "aria-pressed",
      "true",
    );
    expect(screen.getByRole("progressbar", { name: "3 of 3 likes" })).toHaveAttribute(
      "value",
      "3",
    );
    expect(screen.getByText("Ready: 3 liked, 1 disliked.")).toBeInTheDocument();
    expect(currentUrl().searchParams.getAll("like")).toEqual(["1", "2", "3"]);
    expect(currentUrl().searchParams.getAll("dislike")).toEqual(["4"]);

    await user.click(go);
    expect(currentUrl().pathname).toBe("/recommendations");
    expect(currentUrl().search).toBe("?like=1&like=2&like=3&dislike=4");
  });

  it("restores picks from the URL and lets you remove one", async () => {
    catalogue();
    const { user } = renderPage(<SelectionPage />, { url: "/?like=1&like=2&like=3&cat=Shirts" });

    expect(await screen.findByRole("button", { name: "Like Navy Linen Shirt" })).toHaveAttribute(
      "aria-pressed",
      "true",
    );
    expect(screen.getByRole("button", { name: "See recommendations" })).toBeEnabled();
    expect(await screen.findByRole("button", { name: "Shirts 2" })).toHaveAttribute(
      "aria-pressed",
      "true",
    );

    const liked = screen.getByRole("list", { name: "Liked items" });
    await user.click(await within(liked).findByRole("button", { name: "Remove White Oxford Shirt" }));
    expect(currentUrl().searchParams.getAll("like")).toEqual(["1", "3"]);
    expect(screen.getByRole("button", { name: "See recommendations" })).toBeDisabled();
  });

  it("sends picked categories, filters and search words to the catalogue", async () => {
    const api = catalogue();
    const { user } = renderPage(<SelectionPage />);

    await user.click(await screen.findByRole("button", { name: "Jeans 1" }));
    await user.selectOptions(screen.getByRole("combobox", { name: "Gender" }), "Men");
    await user.type(screen.getByRole("searchbox", { name: "Search items" }), "slim{Enter}");

    await waitFor(() => {
      const last = api.to("GET", "/api/items").at(-1)?.url.searchParams;
      expect(last?.get("q")).toBe("slim");
      expect(last?.getAll("article_type")).toEqual(["Jeans"]);
      expect(last?.getAll("gender")).toEqual(["Men"]);
    });
    expect(currentUrl().searchParams.get("q")).toBe("slim");
    expect(currentUrl().searchParams.getAll("cat")).toEqual(["Jeans"]);
  });

  it("says so when nothing matches, and clears the search", async () => {
    catalogue([]);
    const { user } = renderPage(<SelectionPage />, { url: "/?q=zzz&gender=Men" });
    expect(await screen.findByText("No items match your search and filters.")).toBeInTheDocument();
    await user.click(screen.getByRole("button", { name: "Clear search and filters" }));
    expect(currentUrl().search).toBe("");
  });

  it("shows an error with a retry when the catalogue fails", async () => {
    let fail = true;
    mockApi({
      "GET /api/categories": () => problem(503, "store unavailable"),
      "GET /api/items": () => (fail ? problem(500, "boom") : json(page(ITEMS))),
    });
    const { user } = renderPage(<SelectionPage />);

    const grid = screen.getByRole("region", { name: "Items" });
    expect(await within(grid).findByText("Items could not be loaded.")).toBeInTheDocument();
    expect(within(grid).getByText("boom")).toBeInTheDocument();
    expect(
      within(screen.getByRole("region", { name: "Categories" })).getByText("store unavailable"),
    ).toBeInTheDocument();

    fail = false;
    const itemsAlert = within(grid)
      .getAllByRole("alert")
      .find((alert) => alert.textContent?.includes("Items could not be loaded."));
    await user.click(within(itemsAlert!).getByRole("button", { name: "Try again" }));
    expect(await within(grid).findByRole("img", { name: "Navy Linen Shirt" })).toBeInTheDocument();
  });
});

import { screen, within } from "@testing-library/react";
import { describe, expect, it } from "vitest";

import { ITEMS, recommendations } from "@/test/fixtures";
import { json, mockApi, problem } from "@/test/mock-api";
import { renderPage } from "@/test/render";

import { ItemPage } from "./item-page";

const at = (id: string) => ({ url: `/items/${id}`, path: "/items/:id" });

describe("item page", () => {
  it("shows the item's details and its similar items", async () => {
    mockApi({
      "GET /api/items/:id": (_, { id }) => json(ITEMS.find((i) => i.id === id)),
      "GET /api/items/:id/similar": () => json(recommendations(ITEMS.slice(1, 3))),
    });
    renderPage(<ItemPage />, at("1"));

    expect(await screen.findByRole("heading", { level: 1, name: "Navy Linen Shirt" })).toBeInTheDocument();
    expect(screen.getByRole("img", { name: "Navy Linen Shirt" })).toBeInTheDocument();
    expect(screen.getByText("Colour").nextElementSibling).toHaveTextContent("Navy Blue");
    const similar = screen.getByRole("region", { name: "Similar items" });
    expect(await within(similar).findByRole("link", { name: "White Oxford Shirt" })).toHaveAttribute(
      "href",
      "/items/2",
    );
  });

  it("says when the item does not exist", async () => {
    mockApi({
      "GET /api/items/:id": () => problem(404, "item 'nope' not found"),
      "GET /api/items/:id/similar": () => problem(404, "item 'nope' not found"),
    });
    renderPage(<ItemPage />, at("nope"));
    expect(await screen.findByRole("heading", { level: 1, name: "Item not found" })).toBeInTheDocument();
    expect(await screen.findByText("Similar items could not be loaded.")).toBeInTheDocument();
  });

  it("shows an empty state when nothing is similar", async () => {
    mockApi({
      "GET /api/items/:id": (_, { id }) => json(ITEMS.find((i) => i.id === id)),
      "GET /api/items/:id/similar": () => json(recommendations([])),
    });
    renderPage(<ItemPage />, at("5"));
    expect(await screen.findByText("No similar items found.")).toBeInTheDocument();
    expect(screen.getByText("No image")).toBeInTheDocument();
  });
});

import { screen, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it } from "vitest";

import { item, ITEMS, recommendations } from "@/test/fixtures";
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

  it("shows brand, price and a description cut to its start until asked for all of it", async () => {
    const long =
      "Calf-length wrap dress in a patterned weave with a V-neck, short, flared sleeves, a " +
      "detachable tie belt at the waist and a flared skirt. Lined, except for the sleeves. " +
      "Made partly from recycled polyester. The model is 175 cm tall and wears a size S. " +
      "Machine wash at 40 degrees; do not tumble dry. Iron on a low setting if needed.";
    const dress = item("0176209023", "Wilma wrap dress", { brand: "H&M", price: 24.99, description: long });
    const similar = item("7", "Wool Coat", { brand: "Quill", price: 120 });
    mockApi({
      "GET /api/items/:id": () => json(dress),
      "GET /api/items/:id/similar": () => json(recommendations([similar])),
    });
    renderPage(<ItemPage />, at("0176209023"));

    expect(await screen.findByRole("heading", { level: 1, name: "Wilma wrap dress" })).toBeInTheDocument();
    expect(screen.getByText("Brand").nextElementSibling).toHaveTextContent("H&M");
    expect(screen.getByText("Price").nextElementSibling).toHaveTextContent(/^24[.,]99$/);
    const description = screen.getByRole("region", { name: "Description" });
    const more = within(description).getByRole("button", { name: "Show the full description" });
    expect(more).toHaveAttribute("aria-expanded", "false");
    expect(within(description).getByText(/^Calf-length wrap dress/)).toHaveTextContent(/…$/);
    expect(within(description).queryByText(/low setting/)).not.toBeInTheDocument();

    await userEvent.click(more);
    expect(within(description).getByText(long)).toBeInTheDocument();
    expect(within(description).getByRole("button", { name: "Show less" })).toHaveAttribute(
      "aria-expanded",
      "true",
    );

    const card = within(screen.getByRole("region", { name: "Similar items" }));
    expect(await card.findByText("Quill")).toBeInTheDocument();
    expect(card.getByText(/^120[.,]00$/)).toHaveAttribute("value", "120");
  });

  it("shows a short description whole, with no button", async () => {
    const top = item("0108775015", "Strap top", { description: "Jersey top with narrow shoulder straps." });
    mockApi({
      "GET /api/items/:id": () => json(top),
      "GET /api/items/:id/similar": () => json(recommendations([])),
    });
    renderPage(<ItemPage />, at("0108775015"));
    const description = await screen.findByRole("region", { name: "Description" });
    expect(within(description).getByText("Jersey top with narrow shoulder straps.")).toBeInTheDocument();
    expect(within(description).queryByRole("button")).not.toBeInTheDocument();
    expect(screen.queryByText("Brand")).not.toBeInTheDocument();
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

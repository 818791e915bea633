"""The built-in sample catalogue: about 200 items written by this project, no third-party text.

It lets ``make demo`` and the tests run with no download. It is generated, deterministically,
in the Fashion Product Images layout (``styles.csv`` + ``images/{id}.jpg``) so that it goes
through exactly the importer real catalogues go through. Images are simple drawn tiles in the
item's colour (60×80, the size of the public small catalogue) so every page has a picture.
"""

from __future__ import annotations

import csv
import random
from dataclasses import dataclass
from pathlib import Path
from typing import Final

from PIL import Image, ImageDraw

__all__ = ["SAMPLE_SIZE", "write_sample_catalog"]

SAMPLE_SIZE: Final = 200

_BRANDS: Final = (
    "Northwind", "Maple & Reed", "Ardent", "Blue Heron", "Copperline", "Fenwick",
    "Lumen Row", "Oakhaven", "Quill", "Saltmarsh", "Tidewater", "Vesper",
)  # fmt: skip

_COLOURS: Final[dict[str, tuple[int, int, int]]] = {
    "Black": (25, 25, 25), "White": (245, 245, 240), "Navy Blue": (20, 35, 90),
    "Blue": (40, 90, 200), "Red": (200, 30, 40), "Green": (40, 140, 70),
    "Grey": (128, 128, 128), "Brown": (120, 75, 40), "Beige": (225, 205, 170),
    "Pink": (235, 130, 170), "Yellow": (240, 210, 50), "Olive": (110, 115, 45),
    "Maroon": (110, 20, 35), "Purple": (110, 50, 150), "Orange": (240, 130, 30),
}  # fmt: skip


@dataclass(frozen=True)
class _Kind:
    master: str
    sub: str
    article: str
    genders: tuple[str, ...]
    usages: tuple[str, ...]
    styles: tuple[str, ...]


_ADULT = ("Men", "Women")
_KINDS: Final = (
    _Kind("Apparel", "Topwear", "Tshirts", (*_ADULT, "Boys", "Girls"), ("Casual", "Sports"),
          ("Crew Neck", "Graphic", "Striped", "Polo")),
    _Kind("Apparel", "Topwear", "Shirts", (*_ADULT, "Boys"), ("Formal", "Casual", "Party"),
          ("Slim Fit", "Linen", "Checked", "Oxford")),
    _Kind("Apparel", "Topwear", "Tops", ("Women", "Girls"), ("Casual", "Party"),
          ("Wrap", "Peplum", "Ruffled", "Cropped")),
    _Kind("Apparel", "Topwear", "Jackets", (*_ADULT, "Unisex"), ("Casual", "Sports"),
          ("Bomber", "Denim", "Quilted", "Rain")),
    _Kind("Apparel", "Topwear", "Sweaters", _ADULT, ("Casual",),
          ("Cable Knit", "Merino", "Turtleneck")),
    _Kind("Apparel", "Bottomwear", "Jeans", _ADULT, ("Casual",),
          ("Skinny", "Straight", "Relaxed", "Distressed")),
    _Kind("Apparel", "Bottomwear", "Trousers", _ADULT, ("Formal", "Casual"),
          ("Pleated", "Chino", "Tailored")),
    _Kind("Apparel", "Bottomwear", "Shorts", (*_ADULT, "Boys"), ("Sports", "Casual"),
          ("Running", "Cargo", "Board")),
    _Kind("Apparel", "Bottomwear", "Skirts", ("Women", "Girls"), ("Casual", "Party"),
          ("Pleated", "Pencil", "Midi")),
    _Kind("Apparel", "Dress", "Dresses", ("Women", "Girls"), ("Party", "Casual", "Ethnic"),
          ("Maxi", "Shift", "Sundress", "Slip")),
    _Kind("Apparel", "Apparel Set", "Kurta Sets", ("Women", "Men"), ("Ethnic",),
          ("Embroidered", "Block Print")),
    _Kind("Footwear", "Shoes", "Sports Shoes", (*_ADULT, "Unisex"), ("Sports",),
          ("Trail", "Road Running", "Training")),
    _Kind("Footwear", "Shoes", "Casual Shoes", (*_ADULT, "Unisex"), ("Casual",),
          ("Canvas", "Suede", "Slip-On")),
    _Kind("Footwear", "Shoes", "Formal Shoes", ("Men",), ("Formal",), ("Oxford", "Derby")),
    _Kind("Footwear", "Shoes", "Heels", ("Women",), ("Party", "Formal"),
          ("Stiletto", "Block", "Kitten")),
    _Kind("Footwear", "Sandal", "Sandals", (*_ADULT, "Girls"), ("Casual",),
          ("Strappy", "Slide")),
    _Kind("Accessories", "Watches", "Watches", (*_ADULT, "Unisex"), ("Casual", "Formal"),
          ("Chronograph", "Minimalist", "Digital")),
    _Kind("Accessories", "Bags", "Handbags", ("Women",), ("Casual", "Party"),
          ("Tote", "Clutch", "Crossbody")),
    _Kind("Accessories", "Bags", "Backpacks", ("Unisex", "Boys", "Girls"), ("Casual", "Travel"),
          ("Daypack", "Laptop", "Roll-Top")),
    _Kind("Accessories", "Eyewear", "Sunglasses", (*_ADULT, "Unisex"), ("Casual",),
          ("Aviator", "Round", "Wayfarer")),
    _Kind("Accessories", "Belts", "Belts", _ADULT, ("Casual", "Formal"),
          ("Leather", "Braided")),
    _Kind("Accessories", "Jewellery", "Earrings", ("Women", "Girls"), ("Party", "Ethnic"),
          ("Hoop", "Drop", "Stud")),
    _Kind("Personal Care", "Fragrance", "Perfume and Body Mist", _ADULT, ("Casual",),
          ("Citrus", "Woody", "Floral")),
)  # fmt: skip
_SEASONS: Final = ("Spring", "Summer", "Fall", "Winter")
#: Article type -> the noun a product name uses (singular where the type is plural).
_NOUNS: Final = {
    "Tshirts": "Tshirt", "Shirts": "Shirt", "Tops": "Top", "Jackets": "Jacket",
    "Sweaters": "Sweater", "Skirts": "Skirt", "Dresses": "Dress", "Kurta Sets": "Kurta Set",
    "Watches": "Watch", "Handbags": "Handbag", "Backpacks": "Backpack", "Belts": "Belt",
    "Perfume and Body Mist": "Perfume",
}  # fmt: skip


def _draw(path: Path, colour: tuple[int, int, int], kind: _Kind) -> None:
    """A 60×80 tile: the item's colour as a simple shape on a light background."""
    image = Image.new("RGB", (60, 80), (236, 236, 232))
    pen = ImageDraw.Draw(image)
    if kind.master == "Footwear":
        pen.polygon([(8, 52), (30, 44), (52, 52), (52, 62), (8, 62)], fill=colour)
    elif kind.master == "Accessories" or kind.master == "Personal Care":
        pen.ellipse([14, 24, 46, 56], fill=colour)
    elif kind.sub == "Bottomwear":
        pen.polygon([(16, 12), (44, 12), (48, 72), (33, 72), (30, 34), (27, 72), (12, 72)],
                    fill=colour)  # fmt: skip
    else:
        pen.polygon([(18, 10), (42, 10), (54, 24), (46, 30), (46, 72), (14, 72), (14, 30),
                     (6, 24)], fill=colour)  # fmt: skip
    image.save(path, format="JPEG", quality=90)


def write_sample_catalog(directory: Path, *, size: int = SAMPLE_SIZE, seed: int = 7) -> Path:
    """Write ``styles.csv`` and ``images/`` under ``directory``; returns the directory.

    Every (kind, gender) pair appears before any repeats, so the sample spans all genders,
    categories, colours, seasons and usages even when small.
    """
    rng = random.Random(seed)
    images = directory / "images"
    images.mkdir(parents=True, exist_ok=True)
    pairs = [(kind, gender) for kind in _KINDS for gender in kind.genders]
    rows: list[list[str]] = []
    for index in range(size):
        kind, gender = pairs[index % len(pairs)]
        colour = rng.choice(list(_COLOURS))
        style = rng.choice(kind.styles)
        brand = rng.choice(_BRANDS)
        item_id = str(90001 + index)
        name = f"{brand} {gender} {colour} {style} {_NOUNS.get(kind.article, kind.article)}"
        rows.append([
            item_id, gender, kind.master, kind.sub, kind.article, colour,
            rng.choice(_SEASONS), str(rng.choice(range(2015, 2025))),
            rng.choice(kind.usages), name,
        ])  # fmt: skip
        _draw(images / f"{item_id}.jpg", _COLOURS[colour], kind)
    with (directory / "styles.csv").open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow([
            "id", "gender", "masterCategory", "subCategory", "articleType", "baseColour",
            "season", "year", "usage", "productDisplayName",
        ])  # fmt: skip
        writer.writerows(rows)
    return directory

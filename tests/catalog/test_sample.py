from __future__ import annotations

from pathlib import Path

from PIL import Image

from tastemaker.catalog.importer import import_catalog
from tastemaker.catalog.sample import SAMPLE_SIZE, write_sample_catalog
from tastemaker.catalog.stats import catalog_stats
from tastemaker.store import Store


def test_sample_imports_cleanly_and_spans_the_catalogue(store: Store, sample_catalog: Path) -> None:
    report = import_catalog(store, sample_catalog)
    assert (report.inserted, report.rejected, report.without_image) == (SAMPLE_SIZE, [], 0)
    stats = catalog_stats(store)
    assert stats["items"] == stats["with_image"] == SAMPLE_SIZE
    assert set(stats["by_gender"]) == {"Men", "Women", "Boys", "Girls", "Unisex"}  # type: ignore[arg-type]
    assert len(stats["by_master_category"]) >= 4  # type: ignore[arg-type]
    assert len(stats["by_colour"]) >= 12  # type: ignore[arg-type]
    assert len(stats["by_season"]) == 4  # type: ignore[arg-type]
    assert len(stats["by_usage"]) >= 5  # type: ignore[arg-type]


def test_sample_is_deterministic_and_images_are_real_jpegs(
    tmp_path: Path, sample_catalog: Path
) -> None:
    again = write_sample_catalog(tmp_path / "again")
    assert (again / "styles.csv").read_bytes() == (sample_catalog / "styles.csv").read_bytes()
    with Image.open(sample_catalog / "images" / "90001.jpg") as image:
        assert image.format == "JPEG"
        assert image.size == (60, 80)

"""Texts for users and movies, written so that a sentence encoder places them well.

The two-tower model embeds these texts (the same encoders as for fashion items), so they read
like short natural sentences and name every attribute that should separate two users or two
movies: age, gender, occupation and region for users; title, year and genres for movies.
US ZIP codes are reduced to their first digit's region (precise enough to carry taste, coarse
enough not to single anyone out); codes that are not five digits (Canadian postal codes in
ML-100K) read as "outside the US".
"""

from __future__ import annotations

import re
from typing import Final

__all__ = ["item_text", "split_title", "user_text", "zip_region"]

#: First digit of a US ZIP code -> the region it covers (USPS national areas).
_ZIP_REGIONS: Final[dict[str, str]] = {
    "0": "the Northeast (New England, New Jersey)",
    "1": "New York, Pennsylvania or Delaware",
    "2": "the Mid-Atlantic (Virginia, Maryland, the Carolinas)",
    "3": "the Southeast (Florida, Georgia, Alabama, Tennessee)",
    "4": "the Great Lakes (Ohio, Michigan, Indiana, Kentucky)",
    "5": "the Upper Midwest (Minnesota, Wisconsin, Iowa, the Dakotas)",
    "6": "the central Midwest (Illinois, Missouri, Kansas, Nebraska)",
    "7": "the South Central states (Texas, Louisiana, Oklahoma)",
    "8": "the Mountain West (Colorado, Arizona, Utah, Nevada)",
    "9": "the West Coast (California, Oregon, Washington)",
}
_GENDERS: Final[dict[str, str]] = {"M": "man", "F": "woman"}
_OCCUPATIONS: Final[dict[str, str]] = {
    "none": "has no occupation",
    "other": "has an unlisted occupation",
    "retired": "is retired",
    "student": "is a student",
    "homemaker": "is a homemaker",
}
_YEAR = re.compile(r"\s*\((\d{4})(?:[-–]\d{0,4})?\)\s*$")
_ARTICLE = re.compile(r"^(?P<rest>.+), (?P<article>The|A|An)(?P<tail>\s*\(.*\))?$")


def zip_region(zip_code: str) -> str:
    """'85711' -> 'the Mountain West (…)'; non-US or empty codes -> 'outside the US' / ''."""
    code = zip_code.strip()
    if not code:
        return ""
    if len(code) == 5 and code.isdigit():
        return _ZIP_REGIONS[code[0]]
    return "outside the US"


def user_text(age: int, gender: str, occupation: str, zip_code: str) -> str:
    """e.g. 'A 24-year-old man who works as a technician, from the Mountain West (…).'

    Unknown parts (age < 0, empty strings) are left out, so a user with no demographics at
    all reads 'A MovieLens user.' rather than an empty string an encoder cannot place.
    """
    who = _GENDERS.get(gender.strip().upper(), "person")
    subject = f"A {age}-year-old {who}" if age >= 0 else f"A {who}"
    occupation = occupation.strip().lower()
    if occupation:
        phrase = _OCCUPATIONS.get(occupation)
        if phrase is None:
            article = "an" if occupation[0] in "aeiou" else "a"
            phrase = f"works as {article} {occupation}"
        subject += f" who {phrase}"
    region = zip_region(zip_code)
    if region:
        subject += f", from {region}"
    if subject == "A person":
        return "A MovieLens user."
    return subject + "."


def split_title(raw: str) -> tuple[str, int]:
    """'Usual Suspects, The (1995)' -> ('The Usual Suspects', 1995); year -1 when absent.

    MovieLens moves leading English articles to the end for sorting; putting them back makes
    the title read as people write it. Other languages' articles are left as they are.
    """
    title = raw.strip()
    year = -1
    found = _YEAR.search(title)
    if found:
        year = int(found.group(1))
        title = title[: found.start()].rstrip()
    moved = _ARTICLE.match(title)
    if moved:
        title = f"{moved['article']} {moved['rest']}{moved['tail'] or ''}"
    return title, year


def item_text(title: str, year: int, genres: list[str]) -> str:
    """e.g. 'Toy Story (1995). Animation, Children's, Comedy.'"""
    head = f"{title} ({year})" if year > 0 else title
    if not title or title.lower() == "unknown":  # ML-100K's placeholder movie 267
        head = "An untitled movie"
    if genres:
        return f"{head}. {', '.join(genres)}."
    return f"{head}."

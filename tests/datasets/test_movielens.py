from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from tastemaker.datasets import (
    INTERACTION_COLUMNS,
    ITEM_COLUMNS,
    USER_COLUMNS,
    Interactions,
    detect_layout,
    load_movielens,
)
from tastemaker.datasets.readers import delimited_rows, fast_ratings, parse_ratings
from tastemaker.datasets.schema import BadRow
from tastemaker.errors import DataError
from tests.datasets.helpers import MOVIES, write_ml_latest

GENRE_FLAGS_ACTION = "|".join(["0", "1"] + ["0"] * 17)
GENRE_FLAGS_DRAMA = "|".join(["0"] * 8 + ["1"] + ["0"] * 10)


def _ml100k(root: Path, data: bytes, item: bytes | None = None, user: bytes | None = None) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    (root / "u.data").write_bytes(data)
    (root / "u.item").write_bytes(
        item
        if item is not None
        else (
            f"1|Toy Story (1995)|01-Jan-1995||http://x|{GENRE_FLAGS_ACTION}\n"
            f"2|Usual Suspects, The (1995)|14-Aug-1995||http://y|{GENRE_FLAGS_DRAMA}\n"
        ).encode()
    )
    if user is not None:
        (root / "u.user").write_bytes(user)
    return root


# --- the real ML-100K -------------------------------------------------------------------


def test_real_ml100k_is_read_whole_and_clean(ml100k: Interactions) -> None:
    assert ml100k.layout == "ml-100k"
    assert (len(ml100k.ratings), len(ml100k.users), len(ml100k.items)) == (100_000, 943, 1682)
    assert ml100k.problems == ()
    assert {c: str(t) for c, t in ml100k.ratings.dtypes.items()} == INTERACTION_COLUMNS
    assert list(ml100k.users.columns) == list(USER_COLUMNS)
    assert list(ml100k.items.columns) == list(ITEM_COLUMNS)
    first = ml100k.ratings.iloc[0]  # file order is kept: the stratified split depends on it
    assert first.tolist() == [196, 242, 3.0, 881250949]


def test_real_ml100k_texts_name_demographics_title_year_and_genres(ml100k: Interactions) -> None:
    toy = ml100k.items.set_index("item_id").loc[1]
    assert (toy.title, toy.year, toy.genres) == ("Toy Story", 1995, "Animation|Children's|Comedy")
    assert toy.text == "Toy Story (1995). Animation, Children's, Comedy."
    user = ml100k.users.set_index("user_id").loc[1]
    assert user.text == (
        "A 24-year-old man who works as a technician, from the Mountain West "
        "(Colorado, Arizona, Utah, Nevada)."
    )
    assert ml100k.users["text"].str.len().min() > 10
    assert ml100k.items["text"].str.len().min() > 5


def test_fast_and_line_by_line_readers_agree_on_real_data(ml100k_dir: Path) -> None:
    fast = fast_ratings(ml100k_dir / "u.data", "\t", header=False)
    assert fast is not None
    problems: list[BadRow] = []
    slow = parse_ratings(
        delimited_rows(ml100k_dir / "u.data", "\t", 4, problems), "u.data", problems
    )
    assert problems == []
    assert fast.equals(slow)


# --- ML-100K layout, messy copies ---------------------------------------------------------


def test_messy_ml100k_rows_are_reported_by_file_and_line(tmp_path: Path) -> None:
    data = (
        b"1\t1\t5\t881250949\t\n"  # stray empty column: fine
        b"1\t2\t3\t881250950\r\n"  # Windows line end: fine
        b"2\tabc\t3\t881250951\n"  # line 3: bad item id
        b"\n"  # blank: skipped silently
        b"2\t1\t4\n"  # line 5: too few fields
        b"2\t2\tnan\t881250952\n"  # line 6: rating not finite
        b"3\t1\t2\t881250953\n"  # line 7: user 3 not in u.user
        b"2\t9\t2\t881250954\n"  # line 8: movie 9 not in u.item
        b"2\t2\t4\t881250955\n"
    )
    user = b"1|24|M|technician|85711\n2|53|F|other|T8H1N|\n"  # stray trailing pipe
    loaded = load_movielens(_ml100k(tmp_path / "ml", data, user=user))
    reasons = {(p.file, p.line): p.reason for p in loaded.problems}
    assert set(reasons) == {("u.data", n) for n in (3, 5, 6, 7, 8)}
    assert "item_id 'abc' is not a number" in reasons[("u.data", 3)]
    assert "expected 4 fields, found 3" in reasons[("u.data", 5)]
    assert "not a finite number" in reasons[("u.data", 6)]
    assert reasons[("u.data", 7)] == "user id 3 is not in u.user"
    assert reasons[("u.data", 8)] == "movie id 9 is not in u.item"
    assert str(loaded.problems[0]).startswith("u.data:3: ")
    assert loaded.ratings[["user_id", "item_id"]].values.tolist() == [[1, 1], [1, 2], [2, 2]]
    assert loaded.users.set_index("user_id").loc[2, "text"].endswith("from outside the US.")


def test_latin1_titles_decode_and_articles_move_back(tmp_path: Path) -> None:
    item = (
        b"1|Mis\xe9rables, Les (1995)|01-Jan-1995||http://x|" + GENRE_FLAGS_DRAMA.encode() + b"\n"
        b"2|Usual Suspects, The (1995)|14-Aug-1995||http://y|" + GENRE_FLAGS_DRAMA.encode() + b"|\n"
        b"3|unknown||||" + "|".join(["1"] + ["0"] * 18).encode() + b"\n"
    )
    loaded = load_movielens(_ml100k(tmp_path / "ml", b"1\t1\t4\t5\n1\t2\t3\t6\n", item=item))
    titles = loaded.items.set_index("item_id")["title"].to_dict()
    assert titles == {1: "Misérables, Les", 2: "The Usual Suspects", 3: "unknown"}
    assert loaded.items.set_index("item_id").loc[3, "text"] == "An untitled movie."
    assert loaded.problems == ()  # Latin-1 is ML-100K's own encoding: nothing to report
    assert len(loaded.users) == 1  # no u.user: users come from u.data, with a neutral text
    assert loaded.users["text"].tolist() == ["A MovieLens user."]


def test_repeated_pairs_keep_the_latest_rating(tmp_path: Path) -> None:
    data = b"1\t1\t2\t100\n1\t1\t5\t300\n1\t1\t4\t200\n1\t2\t3\t50\n"
    loaded = load_movielens(_ml100k(tmp_path / "ml", data))
    assert loaded.ratings[["item_id", "rating"]].values.tolist() == [[1, 5.0], [2, 3.0]]
    assert sorted(p.line for p in loaded.problems) == [1, 3]
    assert all("latest one is kept" in p.reason for p in loaded.problems)


@pytest.mark.parametrize(
    ("data", "message"),
    [(b"", "no valid rating rows"), (b"x\ty\n", "no valid rating rows")],
)
def test_unusable_rating_files_raise(tmp_path: Path, data: bytes, message: str) -> None:
    with pytest.raises(DataError, match=message):
        load_movielens(_ml100k(tmp_path / "ml", data))


def test_missing_pieces_raise_naming_the_directory(tmp_path: Path) -> None:
    with pytest.raises(DataError, match="not a MovieLens directory"):
        load_movielens(tmp_path)
    (tmp_path / "u.data").write_bytes(b"1\t1\t3\t4\n")
    with pytest.raises(DataError, match=r"without u\.item"):
        load_movielens(tmp_path / "u.data")  # a file inside the directory works too


# --- ml-latest layout ---------------------------------------------------------------------


def test_ml_latest_reads_quoted_titles_and_no_genre_marker(tmp_path: Path) -> None:
    ratings = b"userId,movieId,rating,timestamp\n1,1,4.0,964982703\n1,2,3.5,964981247\n2,3,0.5,1\n"
    loaded = load_movielens(write_ml_latest(tmp_path / "ml", ratings, MOVIES))
    assert detect_layout(tmp_path / "ml")[0] == loaded.layout == "ml-latest"
    items = loaded.items.set_index("item_id")
    assert items.loc[1, "title"] == "The American President"
    assert items.loc[1, "text"] == "The American President (1995). Comedy, Drama, Romance."
    assert (items.loc[3, "year"], items.loc[3, "genres"]) == (-1, "")
    assert loaded.ratings["rating"].tolist() == [4.0, 3.5, 0.5]
    assert loaded.users["user_id"].tolist() == [1, 2]
    assert loaded.problems == ()


def test_messy_ml_latest_rows_are_reported(tmp_path: Path) -> None:
    ratings = (
        b"userId,movieId,rating,timestamp,\n"  # stray empty column in every line
        b"1,1,4.0,964982703,\n"
        b"1,2,four,964981247,\n"  # line 3
        b"1,7,3.0,964981248,\n"  # line 4: unknown movie
        b"2,2,3.0\n"  # line 5: too few fields
        b"2,1,5.0,964981249,\n"
    )
    movies = MOVIES + (
        b"4,Am\xe9lie (2001),Comedy|Romance\n"  # line 5
        b"5,Broken\n"  # line 6
        b"6,Bird Cage, The (1996),Comedy\n"  # line 7: unquoted comma in the title
    )
    loaded = load_movielens(write_ml_latest(tmp_path / "ml", ratings, movies))
    found = {(p.file, p.line, p.repaired) for p in loaded.problems}
    assert found == {
        ("ratings.csv", 3, False),
        ("ratings.csv", 4, False),
        ("ratings.csv", 5, False),
        ("movies.csv", 5, True),  # Latin-1 byte in a UTF-8 file: decoded, kept, reported
        ("movies.csv", 6, False),
        ("movies.csv", 7, True),
    }
    assert loaded.items.set_index("item_id").loc[6, "title"] == "The Bird Cage"
    assert loaded.items.set_index("item_id").loc[4, "title"] == "Amélie"
    assert loaded.ratings[["user_id", "item_id"]].values.tolist() == [[1, 1], [2, 1]]


def test_ml_latest_header_without_required_columns_is_unusable(tmp_path: Path) -> None:
    root = write_ml_latest(tmp_path / "ml", b"user,movie,score\n1,1,4\n", MOVIES)
    with pytest.raises(DataError, match="lacks column"):
        load_movielens(root)


def test_interactions_refuse_frames_off_schema(ml100k: Interactions) -> None:
    with pytest.raises(DataError, match="columns"):
        Interactions(
            ratings=ml100k.ratings.drop(columns=["timestamp"]),
            users=ml100k.users,
            items=ml100k.items,
            source="x",
            layout="ml-100k",
        )
    with pytest.raises(DataError, match="rating is int64"):
        Interactions(
            ratings=ml100k.ratings.astype({"rating": np.int64}),
            users=ml100k.users,
            items=ml100k.items,
            source="x",
            layout="ml-100k",
        )

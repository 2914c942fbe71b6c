"""Cleaning and keying a column of texts at once gives what cleaning each text gives.

The return check cleans a sheet's text cells and makes the matching keys of names, addresses
and owners column by column (the texts joined into one string); these tests hold the joined
versions to the per-text functions over many texts of awkward characters: combining marks,
Hangul jamo, final sigma, full-width forms, every kind of space, and the separator itself."""

from __future__ import annotations

import random

from controllers.infra.collector import paused_collector
from controllers.returns.normalise import fold_text
from controllers.returns.rows import _clean_column, _fold_texts
from models.textnorm import search_key, search_keys

POOL = [
    chr(c)
    for c in [*range(0x20, 0x7F), *range(0x300, 0x370), *range(0xFF01, 0xFF5F),
              *range(0x4E00, 0x4E08), 0x3A3, 0x3C3, 0x130, 0x1100, 0x1161, 0x11A8, 0xAC00,
              0x3000, 0xA0, 0x2028, 0x85, 0x1C, 0x1F, 0x9, 0xA, 0xD, 0xFEFF, 0x200B, 0x2460,
              0xFB01, 0x1E9E, 0x212B, 0x30A]
]  # fmt: skip


def _texts(rng: random.Random, pool: list[str]) -> list[str]:
    return ["".join(rng.choice(pool) for _ in range(rng.randint(0, 6)))
            for _ in range(rng.randint(1, 8))]  # fmt: skip


def test_joined_folding_and_keys_equal_per_text() -> None:
    rng = random.Random(20261201)
    for _ in range(5000):
        texts = _texts(rng, POOL)
        assert _fold_texts(texts) == [fold_text(t) for t in texts], texts
        values: list[str | None] = [*texts, None]
        assert search_keys(values) == [search_key(v) for v in values], texts


def test_a_text_holding_the_separator_is_cleaned_alone() -> None:
    rng = random.Random(7)
    for _ in range(500):
        texts = _texts(rng, [*POOL[:40], "\x00"])
        assert _fold_texts(texts) == [fold_text(t) for t in texts], texts
        assert search_keys(texts) == [search_key(t) for t in texts], texts


def test_clean_column_mixes_texts_numbers_and_blanks() -> None:
    column = ["  钱　多多 ", "", None, 13800000000.0, 2.5, "ＡＢ１２", "   ", 7]
    assert _clean_column(column) == ["钱 多多", None, None, "13800000000", "2.5", "AB12", None,
                                     "7"]  # fmt: skip
    assert _clean_column(("a", "", " b ")) == ["a", None, "b"]


def test_paused_collector_nests_and_restores() -> None:
    import gc

    assert gc.isenabled()
    with paused_collector():
        assert not gc.isenabled()
        with paused_collector():
            assert not gc.isenabled()
        assert not gc.isenabled()
    assert gc.isenabled()
    gc.disable()
    try:
        with paused_collector():
            pass
        assert not gc.isenabled()  # it was off before: it stays off
    finally:
        gc.enable()

from datetime import date

import pytest

from parley.resolve.time import resolve_time

PUB = date(2022, 5, 20)  # a Friday


@pytest.mark.parametrize("text,expected,precision", [
    ("the call took place yesterday", "2022-05-19", "day"),
    ("ministers met on Saturday in Rome", "2022-05-14", "day"),
    ("he will travel on Monday next", "2022-05-16", "day"),
    ("the war began on February 24", "2022-02-24", "day"),
    ("on 3 December 2022 she spoke", "2022-12-03", "day"),
    ("talks held in March 2022", "2022-03", "month"),
    ("Crimea, annexed in 2014", "2014", "year"),
    ("a summit last month", "2022-04", "month"),
    ("today the minister said", "2022-05-20", "day"),
])
def test_relative_and_absolute_dates(text, expected, precision):
    got = resolve_time(text, PUB)
    assert got is not None
    assert got.date == expected
    assert got.precision == precision


def test_month_day_after_publication_is_last_year():
    assert resolve_time("on December 30", date(2023, 1, 2)).date == "2022-12-30"


def test_relative_without_publication_date_is_null():
    got = resolve_time("yesterday the envoy arrived", None)
    assert got.text == "yesterday" and got.date is None


def test_absolute_without_publication_date_keeps_year():
    assert resolve_time("in 2014 Russia took control", None).date == "2014"


def test_no_time_expression():
    assert resolve_time("the envoy arrived", PUB) is None

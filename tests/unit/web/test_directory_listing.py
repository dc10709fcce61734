"""The directory's paging and filter checks, without a database."""

from __future__ import annotations

from network.web.directory_listing import Options, page_numbers, read_filters
from network.web.pages import Errors

OPTIONS = Options(
    topic=[("", "Any topic"), ("housing", "Housing")],
    organisation=[("", "Any organisation"), ("o1", "Brent")],
    band=[("", "Any band"), ("5", "Band 5")],
    sector=[("", "Any sector")],
    region=[("", "Any region"), ("london", "London")],
    mode=[("", "In person or online"), ("remote", "Online")],
    language=[("", "Any language")],
)


def test_pages_show_the_first_the_last_the_current_and_its_neighbours() -> None:
    assert page_numbers(1, 1) == []  # one page: no pagination at all
    assert page_numbers(1, 3) == [1, 2, 3]
    assert page_numbers(5, 9) == [1, 0, 4, 5, 6, 0, 9]  # 0: an ellipsis
    assert page_numbers(9, 9) == [1, 0, 8, 9]
    assert page_numbers(2, 9) == [1, 2, 3, 0, 9]


def test_filters_take_only_values_from_their_lists_and_say_so_in_words() -> None:
    errors = Errors()
    chosen, page = read_filters(
        {"topic": "housing", "mode": "remote", "page": "3"}, OPTIONS, errors
    )
    assert not errors
    assert (chosen["topic"], chosen["mode"], page) == ("housing", "remote", 3)
    errors = Errors()
    chosen, page = read_filters(
        {"topic": "basket-weaving", "organisation": "o2", "mode": "teleport", "page": "0"},
        OPTIONS,
        errors,
    )
    assert errors.fields == {
        "topic": "Topic: choose a topic from the list",
        "organisation": "Organisation: choose an organisation from the list",
        "mode": "How you meet: choose in person or online",
        "page": "Page must be a whole number, like 2",
    }
    assert "topic" not in chosen
    assert page == 1

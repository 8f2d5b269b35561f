"""The reverse of 'Shoigu = Russia's defence minister': an office named without a name is its holder on the
article's day, looked up in the KB's roles and dates."""

from datetime import date

import pytest

from parley.kb import load_kb
from parley.records import Document
from parley.resolve.offices import OfficeIndex


@pytest.fixture(scope="module")
def offices():
    return OfficeIndex(load_kb())


@pytest.mark.parametrize("text, day, holder", [
    ("the UN secretary general", date(2014, 3, 1), "ban-ki-moon"),
    ("the UN secretary general", date(2020, 3, 1), "antonio-guterres"),
    ("Russia's foreign minister", date(2022, 3, 1), "sergei-lavrov"),      # 'Minister of Foreign Affairs'
    ("Russia\u2019s foreign minister", date(2022, 3, 1), "sergei-lavrov"),  # a typographic apostrophe
    ("the Ukrainian foreign minister", date(2014, 1, 10), "leonid-kozhara"),
    ("the Ukrainian foreign minister", date(2014, 4, 10), "andrii-deshchytsia"),
    ("the Russian defense minister", date(2023, 4, 1), "sergei-shoigu"),   # spelling forms
    ("the US vice president", date(2014, 4, 1), "joe-biden"),
    ("the British foreign secretary", date(2014, 4, 1), "william-hague"),
    ("the British foreign secretary", date(2015, 4, 1), "philip-hammond"),
    ("the NATO secretary general", date(2014, 4, 1), "anders-fogh-rasmussen"),
    ("the EU foreign policy chief", date(2014, 4, 1), "catherine-ashton"),  # a role's alias in the KB
    ("the EU foreign policy chief", date(2015, 4, 1), "federica-mogherini"),
    ("the Russian foreign ministry spokeswoman", date(2016, 4, 1), "maria-zakharova"),  # not the minister
])
def test_an_office_on_a_day_is_its_holder(offices, text, day, holder):
    assert offices.holder(text, day) == holder


@pytest.mark.parametrize("text, day", [
    ("the president", date(2014, 4, 1)),                      # whose president: no body named
    ("the UN secretary general", None),                       # no day, no holder
    ("the former Ukrainian president", date(2014, 4, 1)),     # not who holds it on the day
    ("the Russian deputy foreign minister", date(2014, 4, 1)),  # an office many hold at once
    ("the US ambassador", date(2014, 4, 1)),                  # ambassador to where: several offices
])
def test_no_holder_where_the_office_is_not_one_persons_on_that_day(offices, text, day):
    assert offices.holder(text, day) is None


def test_offices_are_kb_data_a_user_extends(tmp_path):
    extra = tmp_path / "mine.yaml"
    extra.write_text(
        "actors:\n"
        "  - {id: ZZL, name: Zeeland, type: COUNTRY, demonyms: [Zeelandic]}\n"
        "  - id: ana-vos\n    name: Ana Vos\n    type: PERSON\n    country: ZZL\n"
        "    roles:\n      - {title: Minister of Fisheries of Zeeland, start: 2020-01-01, end: 2024-12-31,\n"
        "         aliases: [Zeelandic fish tsar]}\n", encoding="utf-8")
    offices = OfficeIndex(load_kb([extra]))
    assert offices.holder("the Zeelandic fisheries minister", date(2022, 5, 1)) == "ana-vos"
    assert offices.holder("Zeeland's fish tsar", date(2022, 5, 1)) == "ana-vos"
    assert offices.holder("the Zeelandic fisheries minister", date(2025, 5, 1)) is None


def test_a_description_in_a_report_links_to_the_holder(pipeline):
    text = ("Talks in Geneva\n\nThe UN secretary general called for restraint on Monday. "
            "\u201cThere is no military solution,\u201d the UN secretary general told reporters. "
            "Russia's foreign minister rejected the proposal.")
    result = pipeline.extract(Document(id="t", source="t.txt", text=text, published=date(2014, 3, 3)))
    names = {a.id: a.name for a in result.actors}
    quote = next(q for q in result.quotes if q.text.startswith("There is no military"))
    assert names.get(quote.speaker) == "Ban Ki-moon"
    mentioned = {names[m.actor] for m in result.mentions if m.actor in names}
    assert {"Ban Ki-moon", "Sergei Lavrov"} <= mentioned


@pytest.mark.parametrize("text, body", [("Russian", "RUS"), ("France's", "FRA")])
def test_a_state_is_not_read_as_an_outlet_named_after_it(offices, text, body):
    # 'Russia 24' and 'France 24' read without their digits would claim 'Russia' and 'France'
    assert offices.read(text) == ({body}, set())

"""Plain-text cleaning: the headline only from the top of a page, removals only on evidence, purity."""

from pathlib import Path

import pytest

from parley.clean import clean
from parley.clean.text import clean_text, compile_patterns, find_headline
from parley.records import RawDocument

FIXTURES = Path(__file__).parent / "fixtures" / "cleaning"


def paragraphs(name: str) -> list[str]:
    return [x.strip() for x in (FIXTURES / name).read_text(encoding="utf-8").split("\n") if x.strip()]

PAGE = """Top Stories
Jane Roe

Never stop learning, because life never stops teaching.

Foreign ministers agree to meet again in Geneva next month

Posted by

GENEVA - The foreign ministers of the two countries met on Tuesday and agreed to hold a second round.

READ MORE: Ten things to know about the talks

"We are ready to continue," the host minister told reporters after the meeting ended.

Share this article
Related Articles
Back to top button"""


def test_headline_found_after_page_chrome(kb):
    result = clean_text(PAGE, kb)
    assert result.title == "Foreign ministers agree to meet again in Geneva next month"
    assert result.text.startswith("Foreign ministers agree to meet again in Geneva next month\n\nGENEVA - ")


def test_furniture_removed_and_kept_for_inspection(kb):
    result = clean_text(PAGE, kb)
    for line in ["Top Stories", "Jane Roe", "Posted by", "READ MORE: Ten things to know about the talks",
                 "Share this article", "Related Articles", "Back to top button"]:
        assert line not in result.text
        assert line in result.boilerplate
    assert "Never stop learning, because life never stops teaching." in result.boilerplate
    assert '"We are ready to continue," the host minister told reporters' in result.text


def test_known_title_is_used(kb):
    result = clean_text("Menu\nTalks resume\nThe talks resumed on Monday after a pause of two weeks.", kb,
                        title="Talks resume")
    assert result.title == "Talks resume"
    assert result.boilerplate == ["Menu"]


def test_no_headline_in_running_text(kb):
    patterns = compile_patterns(kb)
    assert find_headline(["This is a sentence of body text that ends in a stop."], patterns) is None


def test_lead_paragraphs_before_a_subheading_are_kept_and_are_not_chrome(kb):
    lines = paragraphs("lead_then_subheading.txt")
    result = clean_text("\n\n".join(lines), kb)
    assert result.title is None  # the page opens with its lead: no headline line
    assert result.boilerplate == []
    assert result.text.split("\n\n") == lines  # the subheading stays, between paragraphs


@pytest.mark.parametrize("name", ["dateline_lead.txt", "dateline_inline.txt"])
def test_dateline_lead_is_not_a_title(kb, name):
    lines = paragraphs(name)
    result = clean_text("\n\n".join(lines), kb)
    assert result.title is None
    assert result.boilerplate == []
    assert result.text.split("\n\n") == lines


def test_app_prompts_and_video_captions_are_removed(kb):
    lines = paragraphs("app_and_video.txt")
    result = clean_text("\n".join(lines), kb)
    assert result.title == "Ceasefire talks to resume next week, mediators say"
    assert result.boilerplate == [
        "VIEW VIDEO: Mediators announce the new round of talks",
        "CLICK HERE TO GET THE DAILY COURIER APP",
        "Watch: The spokeswoman's briefing in full",
        "Download our free app for breaking news alerts",
    ]
    assert [x for x in lines if x not in result.boilerplate] == result.text.split("\n\n")


def test_signature_caption_and_credits_at_the_end_never_become_the_title(kb):
    lines = paragraphs("credits_at_the_end.txt")
    result = clean_text("\n".join(lines), kb)
    assert result.title is None
    body = result.text.split("\n\n")
    assert body == lines[:4]  # every paragraph, and the 'No fear' subheading between them
    # caption, signature and credits stand after the last paragraph: page furniture, kept for inspection
    assert result.boilerplate == lines[4:]


@pytest.mark.parametrize("line", ["(Reporting desk 3)", "(Reporting by Jan Example; Editing by Ann Other)",
                                  "MINSK, 30 September (Agency) \u2013", "GENEVA (Agency) -"])
def test_credit_and_dateline_lines_have_no_headline_shape(kb, line):
    body = "The two delegations met on Tuesday and agreed to meet again next month in the same city."
    assert find_headline([line, body, body], compile_patterns(kb)) is None


def test_a_headline_needs_the_article_below_it(kb):
    # a short line at the very end of a two-line page is not a headline with the article above it
    page = ("The two delegations met on Tuesday and agreed to meet again next month in the same city.\n"
            "(Reporting desk 3)")
    result = clean_text(page, kb)
    assert result.title is None
    assert result.text.startswith("The two delegations met on Tuesday")


def test_hard_wrapped_prose_is_running_text(kb):
    page = ("Talks end without a deal\n"
            "Menu\n"
            "The envoys of the two governments ended their talks on\n"
            "Friday without an agreement, but said they would return to\n"
            "the table after consulting their capitals.\n"
            "Share this article")
    result = clean_text(page, kb)
    assert result.title == "Talks end without a deal"
    assert "the table after consulting their capitals." in result.text
    assert result.boilerplate == ["Menu", "Share this article"]


def test_cleaning_is_a_pure_function_of_the_document(kb, pipeline):
    """The same record alone, after 50 other documents, or in a resumed or parallel run."""
    filler = ("Envoys met again on day {n} of the talks and said the discussions had been long but useful "
              "for both delegations.")
    others = [
        RawDocument(source=f"other-{n}.txt", content=f"Round {n} of the border talks ends\n\n{filler.format(n=n)}"
                    "\n\nCourier newsroom\n\n" + filler.format(n=n + 100))
        for n in range(50)
    ]
    target = RawDocument(source="target.txt", content=(
        "Border talks to resume in May\n\n" + filler.format(n=1000) + "\n\nCourier newsroom\n\n"
        + filler.format(n=1001)))
    alone = clean(target, kb)
    for other in others:  # the pipeline used to remember lines across the documents it cleaned
        pipeline.clean(other)
    after = pipeline.clean(target)
    assert after == alone
    assert "Courier newsroom" in alone.text  # a short line between paragraphs is content, however common

"""Plain-text cleaning: the headline only from the top of a page, removals only on evidence, purity."""

from pathlib import Path

import pytest

from parley.clean import clean
from parley.clean.text import clean_text, compile_patterns, find_headline, is_furniture
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
    # every paragraph and the 'No fear' subheading between them; the caption, signature and credits
    # after the last paragraph stay too: no menu stands between them and the body, and short lines next
    # to an article are as often its table or its list as its furniture
    assert result.text.split("\n\n") == lines
    assert result.boilerplate == []


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


def test_a_schedule_flattened_a_row_a_line_stays_and_the_menus_around_it_go(kb):
    lines = paragraphs("schedule_under_menu.txt")
    result = clean_text("\n".join(lines), kb)
    kept = result.text.split("\n\n")
    # the heading and the four rows of figures stand between the menu and the running text
    assert kept[:5] == lines[5:10]
    assert lines[10] in kept and lines[11] in kept
    for entry in ["World", "Politics", "Opinion", "Contact", "Newsletters", "Events", "Jobs"]:
        assert entry in result.boilerplate


def test_a_data_table_inside_a_run_of_menu_lines_is_not_a_menu(kb):
    menu = ["News", "Sport", "Weather", "Travel", "Culture", "Video"]
    rows = ["Aug. 30 -- Arena One, Denver", "Sept. 2 -- Stadium Two, Seattle", "Sept. 5 -- Hall Three, Austin"]
    body = "The tour was announced on Tuesday and will visit three cities before the end of the summer, the band said."
    result = clean_text("\n".join([body, *menu, *rows, body]), kb)
    assert all(row in result.text for row in rows)
    assert "Weather" in result.boilerplate


def test_short_lines_next_to_the_body_stay_and_far_ones_go(kb):
    body = ("The two delegations met on Tuesday and agreed to meet again next month in the same city, "
            "a spokesman for the hosts said.")
    near = ["Delegations agree to meet again", "By the diplomatic desk", "Updated 4 May 2021"]
    teasers = [f"Other story number {n} of the day" for n in range(30)]
    result = clean_text("\n".join([*near, body, body, *teasers]), kb)
    for line in near + teasers[:10]:
        assert line in result.text
    assert teasers[-1] in result.boilerplate  # dozens of lines away from any running text


def test_a_comment_thread_under_the_article_is_removed(kb):
    body = ("The two delegations met on Tuesday and agreed to meet again next month in the same city, "
            "a spokesman for the hosts said.")
    thread = []
    for n, name in enumerate(["reader1", "blue_fan", "old.timer"]):
        thread += [f"{name} says:", f"November {n + 2}, 2021 at 6:3{n} am",
                   f"Comment number {n} thinks the talks are a waste of time and says so at length, again and again."]
    result = clean_text("\n".join([body, body, "3 responses to the talks story", *thread, "Latest Stories"]), kb)
    assert result.text.split("\n\n") == [body, body]
    assert "Comment number 1 thinks the talks are a waste of time and says so at length, again and again." \
        in result.boilerplate


def test_a_single_quote_cue_line_is_not_a_comment_thread(kb):
    body = ("The two delegations met on Tuesday and agreed to meet again next month in the same city, "
            "a spokesman for the hosts said.")
    page = "\n".join([body, "The minister says:", body.replace("Tuesday", "Friday")])
    assert clean_text(page, kb).boilerplate == []


@pytest.mark.parametrize("line", ["1 hour ago", "32M ago", "~6 hours ago", "Privacy Policy", "Terms of Use",
                                  "READ MORE: The talks in numbers", "Read more about the talks"])
def test_furniture_shapes(kb, line):
    assert is_furniture(line, compile_patterns(kb))


@pytest.mark.parametrize("line", ["Read on for three ways the deal could still fail.",
                                  "About 40 delegates attended the session."])
def test_prose_that_starts_like_furniture_is_not_furniture(kb, line):
    assert not is_furniture(line, compile_patterns(kb))

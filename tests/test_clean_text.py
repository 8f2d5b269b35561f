from parley.clean.text import LineRepetition, clean_text, compile_patterns, find_headline

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


def test_line_repeated_across_documents_is_removed(kb):
    repetition = LineRepetition(min_documents=2)
    page = ("Headline number {n} about the ceasefire talks\n\nBody paragraph number {n} with many words in it."
            "\n\nSubscribe to the Kyiv Courier weekly\n\nClosing paragraph of article {n} that ends with a stop.")
    clean_text(page.format(n=1), kb, repetition)
    clean_text(page.format(n=2), kb, repetition)
    third = clean_text(page.format(n=3), kb, repetition)
    assert "Subscribe to the Kyiv Courier weekly" not in third.text


def test_no_headline_in_running_text(kb):
    patterns = compile_patterns(kb)
    assert find_headline(["This is a sentence of body text that ends in a stop."], patterns) is None

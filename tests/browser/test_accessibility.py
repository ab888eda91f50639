"""Accessibility: axe-core finds nothing serious, and the page works at 360 px and 200% zoom."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.browser

AXE_RUN = """async () => {
  const result = await axe.run(document, {
    runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa', 'best-practice']},
  });
  return result.violations
    .filter(v => v.impact === 'serious' || v.impact === 'critical')
    .map(v => `${v.impact} ${v.id}: ${v.help} -> ${v.nodes.map(n => n.target.join(' ')).join(', ')}`);
}"""


def run_axe(page, axe_source: str) -> list[str]:
    page.add_script_tag(content=axe_source)
    return page.evaluate(AXE_RUN)


def converse(page, fake_rasa, chat) -> None:
    fake_rasa.say(
        "My son keeps coming home with cash",
        {"text": "Thank you for telling me. See www.nspcc.org.uk for advice."},
        {
            "text": "Who are you?",
            "buttons": [
                {"title": "I'm a parent or carer", "payload": "/parent"},
                {"title": "I work with children", "payload": "/practitioner"},
            ],
        },
    )
    chat(page).send("My son keeps coming home with cash")


@pytest.mark.parametrize("viewport", ["desktop", "phone", "zoom200"])
@pytest.mark.parametrize("state", ["before", "during"])
def test_axe_reports_no_serious_or_critical_violations(
    web, fake_rasa, open_page, chat, axe_source, viewport, state
) -> None:
    # axe is injected as an inline script, which the page's own CSP rightly refuses.
    page, _ = open_page(viewport, bypass_csp=True)
    page.goto(web.url + "/?area=swindon")
    page.get_by_test_id("chat-input").wait_for()
    if state == "during":
        converse(page, fake_rasa, chat)
        page.locator(".hoth-help__more summary").first.click()  # an opened details panel too
    assert run_axe(page, axe_source) == []


@pytest.mark.parametrize("path", ["/browsing-safely", "/?area=durham"])
def test_axe_on_the_other_pages(web, fake_rasa, open_page, axe_source, path) -> None:
    page, _ = open_page(bypass_csp=True)
    page.goto(web.url + path)
    assert run_axe(page, axe_source) == []


def test_axe_on_the_safe_error(make_web, dead_rasa_port, open_page, chat, axe_source) -> None:
    web = make_web(rasa_port=dead_rasa_port)
    page, _ = open_page(bypass_csp=True)
    page.goto(web.url + "/")
    chat(page).send("hello")
    assert run_axe(page, axe_source) == []


@pytest.mark.parametrize("viewport", ["phone", "zoom200"])
def test_nothing_needs_sideways_scrolling_on_a_phone_or_at_200_percent_zoom(
    web, fake_rasa, open_page, chat, viewport
) -> None:
    page, _ = open_page(viewport)
    page.goto(web.url + "/?area=swindon")
    converse(page, fake_rasa, chat)
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    for testid in ["chat-input", "chat-send", "help-now"]:
        box = page.get_by_test_id(testid).bounding_box()
        assert box and box["x"] >= 0 and box["x"] + box["width"] <= page.viewport_size["width"], testid


def test_messages_are_announced_and_controls_are_labelled(web, fake_rasa, open_page, chat) -> None:
    page, _ = open_page()
    page.goto(web.url + "/")
    log = page.get_by_test_id("chat-log")
    assert log.get_attribute("role") == "log"
    assert log.get_attribute("aria-live") == "polite"
    assert page.get_by_label("Type your message").get_attribute("data-testid") == "chat-input"
    assert page.get_by_role("button", name="Send").get_attribute("data-testid") == "chat-send"
    chat(page).send("hello")
    assert log.locator(".hoth-msg--bot .hoth-visually-hidden").first.text_content() == "Helper said: "

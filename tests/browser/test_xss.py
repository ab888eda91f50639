"""Whatever a person types or a bot message contains is shown as text, never run."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.browser

PAYLOADS = [
    "<img src=x onerror=alert(1)>",
    "<script>alert(2)</script>",
    '"><svg onload=alert(3)>',
    "javascript:alert(4)",
    "[click me](javascript:alert(5))",
    "<a href='https://evil.example/'>free gift</a>",
    "<iframe src=javascript:alert(6)></iframe>",
    "{{constructor.constructor('alert(7)')()}}",
]

NO_MARKUP_IN_LOG = """() => {
  const log = document.querySelector('[data-testid=chat-log]');
  return log.querySelectorAll('img, script, svg, iframe, object, embed, style').length;
}"""


@pytest.mark.parametrize("payload", PAYLOADS)
def test_text_typed_by_the_person_is_shown_literally(web, fake_rasa, open_page, chat, payload) -> None:
    page, watch = open_page()
    page.goto(web.url + "/")
    chat(page).send(payload)
    mine = page.get_by_test_id("chat-log").locator(".hoth-msg--user .hoth-msg__text")
    assert mine.last.text_content() == payload
    assert page.evaluate(NO_MARKUP_IN_LOG) == 0
    assert page.get_by_test_id("chat-log").locator("a").count() == 0
    assert watch.dialogs == []
    assert fake_rasa.received[-1]["message"] == payload


@pytest.mark.parametrize("payload", PAYLOADS)
def test_bot_text_and_button_titles_are_shown_literally(web, fake_rasa, open_page, chat, payload) -> None:
    fake_rasa.say("hello", {"text": payload, "buttons": [{"title": payload, "payload": "/x"}]})
    page, watch = open_page()
    page.goto(web.url + "/")
    chat(page).send("hello")
    log = page.get_by_test_id("chat-log")
    assert log.locator(".hoth-msg--bot .hoth-msg__text").last.text_content() == payload
    assert log.locator("button.hoth-choice").last.text_content() == payload
    assert page.evaluate(NO_MARKUP_IN_LOG) == 0
    for href in log.locator("a").evaluate_all("links => links.map(a => a.href)"):
        assert href.startswith("https://")
    page.wait_for_timeout(200)  # give any injected handler a chance to fire
    assert watch.dialogs == []


def test_only_allow_listed_https_sites_become_links(web, fake_rasa, open_page, chat) -> None:
    fake_rasa.say(
        "links",
        {
            "text": "Try https://www.childline.org.uk/info/, [NSPCC](https://www.nspcc.org.uk/) "
            "or fearless.org. Not https://evil.example/x, https://childline.org.uk.evil.example/, "
            "https://evilchildline.org.uk/, [looks safe](https://evil.example/) "
            "or https://user@www.childline.org.uk@evil.example/."
        },
    )
    page, _ = open_page()
    page.goto(web.url + "/")
    chat(page).send("links")
    message = page.get_by_test_id("chat-log").locator(".hoth-msg--bot").last
    links = message.locator("a").evaluate_all(
        "links => links.map(a => [a.href, a.textContent, a.rel, a.target])"
    )
    assert [href for href, *_ in links] == [
        "https://www.childline.org.uk/info/",
        "https://www.nspcc.org.uk/",
        "https://fearless.org/",
    ]
    for _, _, rel, target in links:
        assert "noopener" in rel and "noreferrer" in rel and target == "_blank"
    text = message.inner_text()
    assert "https://evil.example/x" in text and "looks safe" in text

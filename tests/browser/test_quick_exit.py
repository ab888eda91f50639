"""Quick exit (SAFETY.md section 3): first Tab stop, always visible, and it leaves no way back."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.browser

STORAGE_STATE = """() => ({
  session: Object.keys(sessionStorage),
  local: Object.keys(localStorage),
  cookie: document.cookie,
})"""


def press_shift(page, times: int) -> None:
    for _ in range(times):
        page.keyboard.press("Shift")


@pytest.mark.parametrize("how", ["click", "shift three times"])
def test_quick_exit_leaves_for_the_neutral_site_with_no_way_back_and_no_trace(
    web, fake_rasa, open_page, chat, exit_url, how
) -> None:
    page, watch = open_page()
    page.goto(web.url + "/health")  # what this tab showed before the chat
    page.goto(web.url + "/?area=swindon")
    chat(page).send("my daughter has a new older boyfriend who buys her things")
    assert page.evaluate(STORAGE_STATE)["session"], "the conversation should be in sessionStorage"

    if how == "click":
        page.get_by_test_id("quick-exit").click()
    else:
        page.get_by_test_id("chat-input").focus()
        press_shift(page, 3)
    page.wait_for_url(exit_url)
    assert watch.exit_visits == [exit_url]

    page.go_back()
    assert page.url == web.url + "/health"
    assert page.get_by_test_id("chat-log").count() == 0
    assert page.evaluate(STORAGE_STATE) == {"session": [], "local": [], "cookie": ""}
    assert page.context.cookies() == []


def test_quick_exit_hides_the_page_and_clears_the_chat_even_before_the_neutral_site_loads(
    web, fake_rasa, open_page, chat
) -> None:
    page, _ = open_page()
    page.goto(web.url + "/")
    chat(page).send("someone is making my brother sell drugs")
    # The neutral site answers "204 No Content", so the browser stays on this
    # document and the test can look at what quick exit did to it.
    exits = []

    def no_content(route) -> None:
        exits.append(route.request.url)
        route.fulfill(status=204)

    page.route("https://www.bbc.co.uk/**", no_content)
    page.get_by_test_id("quick-exit").click()
    page.wait_for_function("() => getComputedStyle(document.body).display === 'none'")
    assert page.evaluate("document.querySelector('[data-testid=chat-log]').textContent") == ""
    assert page.evaluate("Object.keys(sessionStorage)") == []
    assert len(exits) == 1


def test_quick_exit_aborts_a_reply_that_is_still_coming(web, fake_rasa, open_page, exit_url) -> None:
    fake_rasa.say("slow", {"text": "first"}, {"text": "second"}, pauses=[0, 5.0])
    page, _ = open_page()
    page.goto(web.url + "/")
    page.get_by_test_id("chat-input").fill("slow")
    page.get_by_test_id("chat-send").click()
    page.get_by_test_id("chat-log").get_by_text("first", exact=True).wait_for()
    page.get_by_test_id("quick-exit").click()
    page.wait_for_url(exit_url)
    assert page.evaluate("Object.keys(sessionStorage)") == []


def test_quick_exit_is_the_first_thing_tab_reaches(web, open_page) -> None:
    page, _ = open_page()
    page.goto(web.url + "/")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.dataset.testid") == "quick-exit"


def test_shift_used_for_capital_letters_does_not_exit(web, fake_rasa, open_page) -> None:
    page, watch = open_page()
    page.goto(web.url + "/")
    page.get_by_test_id("chat-input").focus()
    for letter in "IAM":
        page.keyboard.down("Shift")
        page.keyboard.press(f"Key{letter}")
        page.keyboard.up("Shift")
    assert page.get_by_test_id("chat-input").input_value() == "IAM"
    assert watch.exit_visits == []
    assert page.url.startswith(web.url)


def test_shift_three_times_spread_over_more_than_5_seconds_does_not_exit(web, open_page) -> None:
    page, watch = open_page()
    page.clock.install()
    page.goto(web.url + "/")
    page.get_by_test_id("chat-input").wait_for()
    press_shift(page, 2)
    page.clock.fast_forward(6000)
    press_shift(page, 1)
    assert watch.exit_visits == []
    press_shift(page, 2)  # three within 5 s now
    page.wait_for_url("https://www.bbc.co.uk/**")


@pytest.mark.parametrize("viewport", ["desktop", "phone", "zoom200"])
def test_quick_exit_stays_visible_and_uncovered_when_scrolled_and_chatting(
    web, fake_rasa, open_page, chat, viewport
) -> None:
    page, _ = open_page(viewport)
    page.goto(web.url + "/")
    chat(page).send("hello")
    page.evaluate("window.scrollTo(0, document.body.scrollHeight)")
    exit_button = page.get_by_test_id("quick-exit")
    box = exit_button.bounding_box()
    size = page.viewport_size
    assert box and box["y"] >= 0 and box["x"] >= 0
    assert box["x"] + box["width"] <= size["width"] and box["y"] + box["height"] <= size["height"]
    on_top = page.evaluate(
        "([x, y]) => document.elementFromPoint(x, y)?.closest('[data-testid=quick-exit]') !== null",
        [box["x"] + box["width"] / 2, box["y"] + box["height"] / 2],
    )
    assert on_top


def test_the_page_says_quick_exit_does_not_erase_history_and_links_to_advice(web, open_page) -> None:
    page, _ = open_page()
    page.goto(web.url + "/")
    note = page.locator("[data-hoth-exit-note]")
    assert "does not erase your browser history" in note.inner_text()
    note.get_by_role("link", name="How to browse more safely").click()
    page.wait_for_url(web.url + "/browsing-safely")
    assert "private" in page.inner_text("main").lower()
    assert page.get_by_test_id("quick-exit").is_visible()

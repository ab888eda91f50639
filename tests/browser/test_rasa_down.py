"""With Rasa stopped, the page still gives every route to help (SAFETY.md section 3)."""

from __future__ import annotations

import pytest

from bot.directory import load_directory

pytestmark = pytest.mark.browser


def front_door_phones(area: str) -> list[str]:
    directory = load_directory()
    areas = [area] if area else ["durham", "swindon"]
    return [directory.contact("front_door", each).phone for each in areas]


@pytest.fixture
def web_without_rasa(make_web, dead_rasa_port):
    return make_web(rasa_port=dead_rasa_port)


@pytest.mark.parametrize("area", ["swindon", "durham", ""])
def test_help_now_lists_999_101_childline_and_the_front_door_without_rasa(
    web_without_rasa, open_page, area
) -> None:
    page, watch = open_page()
    page.goto(web_without_rasa.url + (f"/?area={area}" if area else "/"))
    help_now = page.get_by_test_id("help-now")
    assert help_now.is_visible()
    text = help_now.inner_text()
    for number in ["999", "101", "0800 1111", *front_door_phones(area)]:
        assert number in text
    assert help_now.locator("a[href='tel:999']").count() == 1
    assert watch.outside_requests == []


def test_help_now_is_there_even_without_javascript(web_without_rasa, open_page) -> None:
    page, _ = open_page(java_script_enabled=False)
    page.goto(web_without_rasa.url + "/?area=swindon")
    text = page.get_by_test_id("help-now").inner_text()
    assert "999" in text and "0800 1111" in text and "01793 464646" in text
    assert page.get_by_test_id("quick-exit").is_visible()


def test_the_chat_shows_the_safe_error_naming_999_and_childline(web_without_rasa, open_page, chat) -> None:
    page, _ = open_page()
    page.goto(web_without_rasa.url + "/?area=swindon")
    chat(page).send("I'm scared, someone is waiting for me outside school")
    error = page.get_by_test_id("chat-log").locator(".hoth-msg--error")
    assert error.count() == 1
    assert "999" in error.inner_text() and "Childline" in error.inner_text()
    # the person can try again: the input and send button still work
    assert page.get_by_test_id("chat-input").is_editable()


def test_when_the_whole_server_is_gone_the_chat_still_names_999(web, open_page, chat) -> None:
    page, _ = open_page()
    page.goto(web.url + "/")
    page.get_by_test_id("chat-input").wait_for()
    page.route("**/api/chat", lambda route: route.abort("connectionrefused"))
    chat(page).send("hello")
    assert "999" in page.get_by_test_id("chat-log").locator(".hoth-msg--error").inner_text()

"""The chat as a person uses it: buttons, typing indicator, restart, keyboard, storage."""

from __future__ import annotations

import json
import re

import pytest

pytestmark = pytest.mark.browser

ROLE_PAYLOAD = '/inform_role{"user_role":"parent_carer"}'


@pytest.fixture
def role_question(fake_rasa):
    fake_rasa.say(
        "I'm worried about my son",
        {
            "text": "Who are you?",
            "buttons": [
                {"title": "I'm a young person", "payload": '/inform_role{"user_role":"young_person"}'},
                {"title": "I'm a parent or carer", "payload": ROLE_PAYLOAD},
            ],
        },
    )
    fake_rasa.say(ROLE_PAYLOAD, {"text": "Thank you. Where do you live?"})
    return fake_rasa


def test_a_bot_button_sends_its_payload_and_shows_its_title(web, role_question, open_page, chat) -> None:
    page, _ = open_page()
    page.goto(web.url + "/")
    talk = chat(page)
    talk.send("I'm worried about my son")
    page.get_by_role("button", name="I'm a parent or carer").click()
    talk.wait_idle()
    assert role_question.received[-1]["message"] == ROLE_PAYLOAD
    mine = page.get_by_test_id("chat-log").locator(".hoth-msg--user .hoth-msg__text")
    assert mine.last.text_content() == "I'm a parent or carer"
    assert "Where do you live?" in talk.log_text()
    # an answered question cannot be answered twice
    assert page.get_by_role("button", name="I'm a young person").is_disabled()


def test_the_whole_chat_works_from_the_keyboard(web, role_question, open_page, chat) -> None:
    page, _ = open_page()
    page.goto(web.url + "/")
    page.get_by_test_id("chat-input").wait_for()
    for _ in range(40):  # Tab through the page until the message box has focus
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.dataset.testid") == "chat-input":
            break
    else:
        pytest.fail("Tab never reached the message box")
    outline = page.evaluate("getComputedStyle(document.activeElement).outlineStyle")
    assert outline != "none", "focus must be visible"
    page.keyboard.type("I'm worried about my son")
    page.keyboard.press("Enter")
    chat(page).wait_idle()
    choice = page.get_by_role("button", name="I'm a parent or carer")
    choice.focus()
    page.keyboard.press("Enter")
    chat(page).wait_idle()
    assert role_question.received[-1]["message"] == ROLE_PAYLOAD


def test_the_typing_indicator_shows_while_the_reply_is_coming(web, fake_rasa, open_page) -> None:
    fake_rasa.say("slow", {"text": "first"}, {"text": "second"}, pauses=[0, 1.5])
    page, _ = open_page()
    page.goto(web.url + "/")
    page.get_by_test_id("chat-input").fill("slow")
    page.get_by_test_id("chat-send").click()
    page.get_by_test_id("chat-log").get_by_text("first", exact=True).wait_for()
    assert page.locator(".hoth-typing").is_visible()
    assert "writing" in page.locator(".hoth-typing").text_content()
    page.get_by_test_id("chat-log").get_by_text("second", exact=True).wait_for()
    page.wait_for_function("() => document.querySelector('.hoth-typing').hidden")


def test_start_again_sends_restart_and_clears_the_log(web, fake_rasa, open_page, chat) -> None:
    fake_rasa.say("/restart", {"text": "OK, let's start again."})
    page, _ = open_page()
    page.goto(web.url + "/?area=swindon")
    talk = chat(page)
    talk.send("someone older keeps messaging my sister")
    page.get_by_role("button", name="Start again").click()
    talk.wait_idle()
    assert fake_rasa.received[-1]["message"] == "/restart"
    assert "someone older" not in talk.log_text()
    assert "start again" in talk.log_text()
    stored = page.evaluate("sessionStorage.getItem('hoth-chat:log')") or "[]"
    assert "someone older" not in stored
    # the next message sets the page's area again, for the fresh conversation
    talk.send("hello again")
    assert [e["events"][0]["value"] for e in fake_rasa.events] == ["swindon", "swindon"]


def test_each_tab_gets_its_own_random_sender_kept_only_in_session_storage(
    web, fake_rasa, open_page, chat
) -> None:
    senders = []
    for _ in range(2):
        page, _ = open_page()
        page.goto(web.url + "/")
        chat(page).send("hello")
        senders.append(fake_rasa.received[-1]["sender"])
        assert page.evaluate("sessionStorage.getItem('hoth-chat:sender')") == senders[-1]
        assert page.evaluate("localStorage.length") == 0
        assert page.context.cookies() == []
    assert senders[0] != senders[1]
    assert all(re.fullmatch(r"[0-9a-f]{32}", s) for s in senders)


def test_a_reload_keeps_the_conversation_in_the_same_tab(web, fake_rasa, open_page, chat) -> None:
    page, _ = open_page()
    page.goto(web.url + "/")
    chat(page).send("my friend is being pressured to carry packages")
    page.reload()
    page.get_by_test_id("chat-input").wait_for()
    assert "carry packages" in chat(page).log_text()
    log = json.loads(page.evaluate("sessionStorage.getItem('hoth-chat:log')"))
    assert [entry["who"] for entry in log] == ["user", "bot"]


def test_area_from_the_page_reaches_rasa_once_before_the_first_message(
    web, fake_rasa, open_page, chat
) -> None:
    page, _ = open_page()
    page.goto(web.url + "/?area=durham")
    talk = chat(page)
    talk.send("hi")
    talk.send("my daughter goes missing at weekends")
    assert fake_rasa.events == [
        {
            "sender": fake_rasa.received[0]["sender"],
            "events": [{"event": "slot", "name": "area", "value": "durham"}],
        }
    ]


def test_without_an_area_nothing_is_set(web, fake_rasa, open_page, chat) -> None:
    page, _ = open_page()
    page.goto(web.url + "/")
    chat(page).send("hi")
    assert fake_rasa.events == []


def test_start_again_while_a_reply_is_coming_leaves_no_error_behind(web, fake_rasa, open_page, chat) -> None:
    fake_rasa.say("slow", {"text": "first"}, {"text": "second"}, pauses=[0, 3.0])
    fake_rasa.say("/restart", {"text": "OK, let's start again."})
    page, _ = open_page()
    page.goto(web.url + "/")
    page.get_by_test_id("chat-input").fill("slow")
    page.get_by_test_id("chat-send").click()
    page.get_by_test_id("chat-log").get_by_text("first", exact=True).wait_for()
    page.get_by_role("button", name="Start again").click()
    talk = chat(page)
    talk.wait_idle()
    page.wait_for_timeout(300)
    assert talk.log_text().strip().endswith("OK, let's start again.")
    assert page.get_by_test_id("chat-log").locator(".hoth-msg--error, .hoth-msg--note").count() == 0
    assert "first" not in talk.log_text()

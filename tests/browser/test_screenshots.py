"""Screenshots of the page as a person sees it, before and during a conversation.

They go to test-artifacts/ (ignored by git) for review; the assertions check
what must be on screen in each state.
"""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.browser

ROLE_BUTTONS = [
    {"title": "I'm a young person", "payload": '/inform_role{"user_role":"young_person"}'},
    {"title": "I'm a parent or carer", "payload": '/inform_role{"user_role":"parent_carer"}'},
    {"title": "I work with children", "payload": '/inform_role{"user_role":"practitioner"}'},
    {"title": "I noticed something at work", "payload": '/inform_role{"user_role":"community_member"}'},
]


def script_parent_conversation(fake_rasa) -> None:
    fake_rasa.say(
        "My son is 15 and keeps coming home with cash and a second phone. He won't say who from.",
        {"text": "Thank you for telling me. That sounds worrying, and you were right to ask."},
        {
            "text": "I'm an automated helper: nobody is reading this live and I can't send help. "
            "I keep only an anonymous note of the kind of worry, never what you type."
        },
        {"text": "So I can point you to the right people, who are you?", "buttons": ROLE_BUTTONS},
    )
    fake_rasa.say(
        ROLE_BUTTONS[1]["payload"],
        {
            "text": "Cash and a second phone that he can't explain can be signs that someone is "
            "exploiting him, for example to carry drugs (county lines). It is not his fault."
        },
        {
            "text": "Call Contact Swindon on 01793 464646 today. If he is in danger right now, call 999. "
            "You can also talk it through with the NSPCC on 0808 800 5000: www.nspcc.org.uk"
        },
    )


@pytest.mark.parametrize("name", ["desktop", "phone"])
def test_screenshots_before_and_during_a_conversation(
    web, fake_rasa, open_page, chat, artifacts, name
) -> None:
    script_parent_conversation(fake_rasa)
    page, watch = open_page(name)
    page.goto(web.url + "/?area=swindon")
    page.get_by_test_id("chat-input").wait_for()
    page.screenshot(path=str(artifacts / f"chat-{name}-before.png"), full_page=False)
    assert page.get_by_test_id("quick-exit").is_visible()
    assert page.get_by_test_id("help-now").is_visible()

    talk = chat(page)
    talk.send("My son is 15 and keeps coming home with cash and a second phone. He won't say who from.")
    page.get_by_role("button", name="I'm a parent or carer").click()
    talk.wait_idle()
    page.get_by_test_id("chat-log").scroll_into_view_if_needed()
    page.screenshot(path=str(artifacts / f"chat-{name}-during.png"), full_page=False)

    assert "01793 464646" in talk.log_text()
    assert page.get_by_test_id("quick-exit").is_visible()
    assert watch.outside_requests == []

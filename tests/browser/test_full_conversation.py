"""A parent's whole conversation through the page, against the real, trained assistant."""

from __future__ import annotations

import re

import pytest

OPENING = (
    "My son is 15 and he keeps coming home with cash and a second phone. "
    "He won't tell me who gives it to him and he's been out really late."
)
# What a worried parent would answer to questions the bot asks in words.
FREE_ANSWERS = [
    "I'm his mum",
    "No, he's at home with me right now",
    "Last month the police picked him up in Bristol and he had no idea how he got there",
    "No, that's everything I know.",
]
# Which button a parent picks, by the question's own button titles.
BUTTON_CHOICES = [
    re.compile(r"parent", re.I),
    re.compile(r"^no$", re.I),
    re.compile(r"^swindon$", re.I),
]
ADVICE = re.compile(r"Contact Swindon|01793 464646|NSPCC|0808 800 5000", re.I)

LAST_BUTTONS = """() => {
  const groups = document.querySelectorAll('[data-testid=chat-log] .hoth-choices');
  const last = groups[groups.length - 1];
  if (!last || last.nextElementSibling) return [];
  return [...last.querySelectorAll('button:not([disabled])')].map(b => b.textContent);
}"""


def wait_idle(page) -> None:
    page.wait_for_function("() => document.querySelector('.hoth-typing')?.hidden === true", timeout=30_000)


def say(page, text: str) -> None:
    page.get_by_test_id("chat-input").fill(text)
    page.get_by_test_id("chat-send").click()
    wait_idle(page)


@pytest.mark.e2e
@pytest.mark.browser
def test_a_parent_gets_the_swindon_front_door_and_nspcc_through_the_page(stack, open_page, artifacts) -> None:
    page, watch = open_page()
    page.goto(stack.web_url + "/?area=swindon")
    say(page, OPENING)
    log = page.get_by_test_id("chat-log")
    answers = iter(FREE_ANSWERS)
    for _ in range(8):
        if ADVICE.search(log.inner_text()):
            break
        buttons = page.evaluate(LAST_BUTTONS)
        choice = next((b for pattern in BUTTON_CHOICES for b in buttons if pattern.search(b)), None)
        if choice is not None:
            log.get_by_role("button", name=choice, exact=True).click()
            wait_idle(page)
        else:
            say(page, next(answers, "No, that's everything I know."))
    for name, size in [("desktop", {"width": 1280, "height": 900}), ("phone", {"width": 360, "height": 740})]:
        page.set_viewport_size(size)
        log.evaluate("e => { e.scrollIntoView({block: 'center'}); e.scrollTop = e.scrollHeight; }")
        page.wait_for_timeout(300)  # let the new layout paint
        page.screenshot(path=str(artifacts / f"chat-e2e-{name}.png"))
    text = log.inner_text()

    assert ADVICE.search(text), f"no advice (front door or NSPCC) in the conversation:\n{text}"
    # The page said where the person is, so the assistant never asks.
    assert "Where are you" not in text
    assert "not working right now" not in text
    assert watch.outside_requests == [] and watch.dialogs == []

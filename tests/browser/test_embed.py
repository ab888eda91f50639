"""The widget on a partnership's own page, from one script tag on another origin."""

from __future__ import annotations

import itertools

import pytest
from sanic import Sanic, response

from bot.web.server import ThreadedServer

pytestmark = pytest.mark.browser

_numbers = itertools.count(1)

PARTNER_PAGE = """<!doctype html>
<html lang="en-GB"><head><meta charset="utf-8"><title>Swindon Safeguarding Partnership</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>a {{ color: #00557f; }}</style></head>
<body>
<nav><a href="/about">About us</a> <a href="/children">Children and young people</a></nav>
<main><h1>Harm outside the home</h1>
<p>All agencies across Swindon are committed to safeguarding children.</p>
<script src="{chat}/static/widget.js" data-area="swindon" data-name="Swindon Safeguarding Partnership"
  data-colour="#00557f" defer></script>
</main></body></html>"""


@pytest.fixture
def partner_site(make_web, free_port_factory):
    """A partnership's page on its own origin, with the chat server allowing that origin."""
    port = free_port_factory()
    origin = f"http://127.0.0.1:{port}"
    chat_server = make_web(cors_origins=(origin,))
    app = Sanic(f"partner_{next(_numbers)}", env_prefix=None)
    page_html = PARTNER_PAGE.format(chat=chat_server.url)

    @app.get("/")
    async def home(_request):
        return response.html(page_html)

    @app.get("/about")
    async def about(_request):
        return response.html("<!doctype html><title>About us</title><h1>About us</h1>")

    server = ThreadedServer(app, "127.0.0.1", port).start()
    yield server
    server.stop()


def test_one_script_tag_mounts_the_chat_quick_exit_and_help_now(
    partner_site, fake_rasa, open_page, chat
) -> None:
    page, watch = open_page()
    page.goto(partner_site.url + "/")
    for testid in ["quick-exit", "chat-input", "chat-send", "chat-log", "help-now"]:
        assert page.get_by_test_id(testid).count() == 1, testid
    help_now = page.get_by_test_id("help-now")
    help_now.get_by_text("01793 464646").wait_for()  # fetched from the chat server for Swindon
    assert "999" in help_now.inner_text() and "0800 1111" in help_now.inner_text()
    assert "does not erase your browser history" in page.locator("[data-hoth-exit-note]").inner_text()

    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.dataset.testid") == "quick-exit"

    chat(page).send("a man at the takeaway keeps giving my daughter free food and lifts")
    assert "Thank you for telling me." in chat(page).log_text()
    # the partnership's widget says where the person is, so the bot never has to ask
    assert fake_rasa.events[0]["events"] == [{"event": "slot", "name": "area", "value": "swindon"}]
    assert watch.outside_requests == []


def test_quick_exit_on_the_partnership_page_clears_only_the_chat(
    partner_site, fake_rasa, open_page, exit_url
) -> None:
    page, _ = open_page()
    page.goto(partner_site.url + "/about")
    page.evaluate("sessionStorage.setItem('partner-own-key', 'kept')")
    page.goto(partner_site.url + "/")
    page.get_by_test_id("chat-input").fill("hello")
    page.get_by_test_id("chat-send").click()
    page.get_by_test_id("chat-log").get_by_text("Thank you for telling me.").wait_for()
    page.keyboard.press("Shift")
    page.keyboard.press("Shift")
    page.keyboard.press("Shift")
    page.wait_for_url(exit_url)
    page.go_back()
    assert page.url == partner_site.url + "/about"
    keys = page.evaluate("Object.keys(sessionStorage)")
    assert keys == ["partner-own-key"]  # the chat's keys are gone, the site's own are not touched


def test_a_site_that_is_not_allowed_cannot_use_the_chat_api(
    make_web, fake_rasa, open_page, free_port_factory
) -> None:
    chat_server = make_web()  # no CORS origins configured
    port = free_port_factory()
    app = Sanic(f"partner_{next(_numbers)}", env_prefix=None)

    @app.get("/")
    async def home(_request):
        return response.html(PARTNER_PAGE.format(chat=chat_server.url))

    with ThreadedServer(app, "127.0.0.1", port):
        page, _ = open_page(intercept=False)
        page.goto(f"http://127.0.0.1:{port}/")
        page.get_by_test_id("chat-input").fill("hello")
        page.get_by_test_id("chat-send").click()
        error = page.get_by_test_id("chat-log").locator(".hoth-msg--error")
        error.wait_for()
        assert "999" in error.inner_text()
    assert fake_rasa.received == []

"""Rendering the chat page and its help-now panel (bot/web/page.py)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest

from bot.directory import load_directory
from bot.web import page

TESTIDS = ["quick-exit", "chat-log", "help-now"]  # chat-input and chat-send are built by widget.js


@pytest.fixture(scope="module")
def directory():
    return load_directory()


@pytest.fixture(scope="module")
def sites():
    return page.load_sites()


@pytest.mark.parametrize(
    ("area", "numbers"),
    [
        ("swindon", ["999", "101", "0800 1111", "01793 464646"]),
        ("durham", ["999", "101", "0800 1111"]),
        ("", ["999", "101", "0800 1111", "01793 464646"]),
    ],
)
def test_help_now_lists_the_routes_for_the_area(directory, area, numbers) -> None:
    html = page.render_help_now(page.help_contacts(directory, area))
    for number in numbers:
        assert number in html
    assert 'href="tel:999"' in html and 'href="tel:08001111"' in html


@pytest.mark.parametrize("area", ["", "durham", "swindon"])
def test_without_an_area_both_front_doors_are_listed(directory, area) -> None:
    contacts = page.help_contacts(directory, "")
    doors = {directory.contact("front_door", each).phone for each in ("durham", "swindon")}
    assert doors <= {c.phone for c in contacts}
    assert len({c.id for c in contacts}) == len(contacts)  # 999, 101, Childline once each


def test_contact_hours_and_privacy_come_from_the_directory(directory) -> None:
    childline = next(c for c in page.help_contacts(directory, "swindon") if c.id == "childline")
    assert childline.hours and "Hours(" not in childline.hours
    assert childline.anonymity and "Anonymity(" not in childline.anonymity


class BrokenDirectory:
    def help_now(self, area):
        raise ValueError("contacts.yml is broken")


@pytest.mark.parametrize("directory_value", [None, BrokenDirectory()])
def test_when_the_directory_fails_the_panel_still_has_the_national_numbers(directory_value) -> None:
    html = page.render_help_now(page.help_contacts(directory_value, "swindon"))
    for number in ("999", "101", "0800 1111"):
        assert number in html


@dataclass
class HostileContact:
    name: str = "<script>alert(1)</script>"
    phone: str = '999"><img src=x>'
    text: str = ""
    email: str = "a@b.uk"
    web: str = "javascript:alert(1)"
    anonymity: str = "<b>bold</b>"
    id: str = 'x" onmouseover="alert(1)'
    hours: str = "always"


def test_directory_text_is_escaped_and_only_https_links_survive() -> None:
    class Directory:
        def help_now(self, area):
            return [HostileContact()]

    html = page.render_help_now(page.help_contacts(Directory(), "durham"))
    assert "<script>" not in html and "<img" not in html and "<b>" not in html
    assert "&lt;script&gt;" in html
    assert "javascript:" not in html
    assert 'onmouseover="' not in html


@pytest.mark.parametrize(
    ("area", "name"),
    [
        ("swindon", "Swindon Safeguarding Partnership"),
        ("durham", "Durham Safeguarding Children Partnership"),
        ("elsewhere", "Harm Outside the Home"),
        ("", "Harm Outside the Home"),
    ],
)
def test_the_page_is_named_after_the_partnership(directory, sites, area, name) -> None:
    site = page.site_for(sites, directory, area)
    html = page.render_index(site, page.help_contacts(directory, area), area)
    assert site.name == name
    assert f'<p class="hoth-page__org">{name}</p>' in html
    assert f'data-area="{area}"' in html
    for testid in TESTIDS:
        if testid != "chat-log":
            assert f'data-testid="{testid}"' in html
    assert "does not erase your browser history" in html
    assert 'href="/browsing-safely"' in html


def test_the_page_has_no_inline_script_or_style_and_no_outside_resources(directory, sites) -> None:
    site = page.site_for(sites, directory, "swindon")
    html = page.render_index(site, page.help_contacts(directory, ""), "")
    assert "<script>" not in html and "style=" not in html and "<style" not in html
    assert 'src="http' not in html and 'href="http://' not in html
    assert 'rel="stylesheet" href="/static/' in html


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("swindon", "swindon"),
        (" Durham ", "durham"),
        ("elsewhere", "elsewhere"),
        ("london", ""),
        ("", ""),
        (None, ""),
        ("<script>", ""),
    ],
)
def test_area_from_the_query_string_is_one_of_the_ids_or_nothing(value, expected) -> None:
    assert page.clean_area(value) == expected


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("areas: {}\n", "default"),
        ("default: {name: X, colour: red, exit_url: 'https://a.example'}\n", "colour"),
        ("default: {name: X, colour: '#000000', exit_url: 'http://a.example'}\n", "exit_url"),
        ("default: {name: X, colour: '#000000'}\n", "exit_url"),
        ("default: {colour: '#000000', exit_url: 'https://a.example'}\n", "name"),
        (
            "default: {name: X, colour: '#000000', exit_url: 'https://a.example'}\nareas: {london: {}}\n",
            "london",
        ),
        (
            "default: {name: X, colour: '#000000', exit_url: 'https://a.example'}\n"
            "areas: {durham: {website: 'http://x.example'}}\n",
            "website",
        ),
    ],
)
def test_a_broken_sites_file_is_refused_with_the_field_named(tmp_path: Path, text: str, problem: str) -> None:
    file = tmp_path / "sites.yml"
    file.write_text(text)
    with pytest.raises(page.SitesError, match=problem):
        page.load_sites(file)


def test_the_shipped_sites_file_is_valid(sites) -> None:
    assert set(sites) == {"", "durham", "swindon", "elsewhere"}
    assert all(site.exit_url.startswith("https://") for site in sites.values())


def test_browsing_safety_advice_is_plain_and_has_a_quick_exit(sites) -> None:
    html = page.render_browsing_safely(sites["swindon"])
    assert 'data-testid="quick-exit"' in html
    assert "does <strong>not</strong> remove" in html
    assert 'href="/?area=swindon"' in html

"""Headers, CORS and what the widget's code may do (bot/web/security.py, static/widget.js)."""

from __future__ import annotations

import re

import pytest

from bot.web.security import BASE_HEADERS, cors_headers, security_headers
from bot.web.server import STATIC_DIR

WIDGET_JS = (STATIC_DIR / "widget.js").read_text(encoding="utf-8")
BRIEFED_LINK_HOSTS = {
    "childline.org.uk",
    "nspcc.org.uk",
    "ceop.police.uk",
    "crimestoppers-uk.org",
    "fearless.org",
    "missingpeople.org.uk",
    "modernslaveryhelpline.org",
    "actearly.uk",
    "gov.uk",
    "police.uk",
    "durham-scp.org.uk",
    "swindonsafeguardingpartnership.co.uk",
}


def csp_directives() -> dict[str, list[str]]:
    policy = BASE_HEADERS["Content-Security-Policy"]
    return {part.split()[0]: part.split()[1:] for part in policy.split("; ")}


@pytest.mark.parametrize(
    ("directive", "sources"),
    [
        ("default-src", ["'self'"]),
        ("script-src", ["'self'"]),
        ("style-src", ["'self'"]),
        ("connect-src", ["'self'"]),
        ("object-src", ["'none'"]),
        ("base-uri", ["'none'"]),
        ("frame-ancestors", ["'none'"]),
    ],
)
def test_the_content_security_policy_allows_only_this_site(directive: str, sources: list[str]) -> None:
    assert csp_directives()[directive] == sources


def test_no_directive_names_another_origin_or_allows_inline_code() -> None:
    for sources in csp_directives().values():
        for source in sources:
            assert not source.startswith(("http:", "https:", "*")), source
            assert source not in {"'unsafe-inline'", "'unsafe-eval'"}


@pytest.mark.parametrize(
    ("path", "cross_origin"),
    [
        ("/static/widget.js", True),
        ("/static/widget.css", True),
        ("/api/help-now", True),
        ("/", False),
        ("/api/chat", False),
        ("/static/page.css", False),
    ],
)
def test_only_the_widget_files_are_loadable_from_other_sites(path: str, cross_origin: bool) -> None:
    policy = security_headers(path)["Cross-Origin-Resource-Policy"]
    assert policy == ("cross-origin" if cross_origin else "same-origin")


@pytest.mark.parametrize(
    ("path", "origin", "allowed", "expected"),
    [
        ("/api/chat", "https://partner.example", ["https://partner.example"], "https://partner.example"),
        ("/api/chat", "https://evil.example", ["https://partner.example"], None),
        ("/api/chat", None, ["https://partner.example"], None),
        ("/api/help-now", "https://anyone.example", [], "*"),
        ("/", "https://partner.example", ["https://partner.example"], None),
    ],
)
def test_cors_is_granted_only_where_it_should_be(path, origin, allowed, expected) -> None:
    assert cors_headers(path, origin, allowed).get("Access-Control-Allow-Origin") == expected


def test_the_widget_links_only_to_the_allow_list() -> None:
    listed = re.search(r"var LINK_HOSTS = \[(.*?)\];", WIDGET_JS, re.S)
    assert listed
    assert set(re.findall(r'"([^"]+)"', listed.group(1))) == BRIEFED_LINK_HOSTS


@pytest.mark.parametrize(
    "forbidden",
    [
        "innerHTML",
        "outerHTML",
        "insertAdjacentHTML",
        "document.write",
        "eval(",
        "new Function",
        "localStorage",
        "document.cookie",
        "Math.random",
    ],
)
def test_the_widget_never_uses_html_sinks_persistent_storage_or_weak_ids(forbidden: str) -> None:
    code = re.sub(r"^\s*(//|\*).*$", "", WIDGET_JS, flags=re.M)  # comments may mention them
    assert forbidden not in code


def test_the_widget_makes_ids_with_the_crypto_api_and_keeps_them_in_session_storage() -> None:
    assert "crypto.getRandomValues" in WIDGET_JS
    assert "sessionStorage" in WIDGET_JS
    assert "location.replace" in WIDGET_JS

"""Server-side rendering of the chat page and its always-available help panel.

The help panel is built here from the contact directory, not by the chat, so
it is on the page even when Rasa is down or JavaScript does not run.
"""

from __future__ import annotations

import html
import logging
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from string import Template
from typing import Any, Protocol
from urllib.parse import urlsplit

import yaml

logger = logging.getLogger(__name__)

WEB_DIR = Path(__file__).resolve().parent
TEMPLATE_DIR = WEB_DIR / "templates"
SITES_FILE = WEB_DIR / "sites.yml"

AREAS = ("durham", "swindon", "elsewhere")
# Areas whose front doors the page lists when it was given no area.
PARTNERSHIP_AREAS = ("durham", "swindon")

_COLOUR = re.compile(r"^#[0-9a-fA-F]{6}$")


class SitesError(ValueError):
    """The sites file does not match its schema."""


class HelpDirectory(Protocol):
    """What the page needs from ``bot.directory``: the help-now contacts of an area."""

    def help_now(self, area: str | None) -> Sequence[Any]: ...


@dataclass(frozen=True)
class Site:
    """How the page presents itself for one area (or for no area)."""

    area: str
    name: str
    colour: str
    website: str
    exit_url: str


@dataclass(frozen=True)
class ContactView:
    """A contact reduced to the strings the page shows."""

    id: str
    name: str
    phone: str
    text: str
    email: str
    web: str
    anonymity: str
    hours: str

    def as_json(self) -> dict[str, str]:
        return {key: value for key, value in self.__dict__.items() if value}


# Used only when the directory cannot be loaded: the national numbers that
# never change, so the panel is never empty.
FALLBACK_CONTACTS = (
    ContactView("police_999", "Police emergency", "999", "", "", "", "If a child is in danger right now", ""),
    ContactView("police_101", "Police non-emergency", "101", "", "", "", "", ""),
    ContactView(
        "childline",
        "Childline",
        "0800 1111",
        "",
        "",
        "https://www.childline.org.uk/",
        "Free, any time, for anyone under 19. You do not have to give your name.",
        "24 hours",
    ),
)


def _https_url(value: str, field: str) -> str:
    if value and urlsplit(value).scheme != "https":
        raise SitesError(f"{field} must be an https:// address, got {value!r}")
    return value


def _site(area: str, raw: Any, default: dict[str, Any]) -> Site:
    if not isinstance(raw, dict):
        raise SitesError(f"sites.{area} must be a mapping")
    merged = {**default, **raw}
    name = merged.get("name")
    colour = str(merged.get("colour", ""))
    if not isinstance(name, str) or not name.strip():
        raise SitesError(f"sites.{area}.name is required")
    if not _COLOUR.match(colour):
        raise SitesError(f"sites.{area}.colour must look like #00557f, got {colour!r}")
    exit_url = _https_url(str(merged.get("exit_url") or ""), f"sites.{area}.exit_url")
    if not exit_url:
        raise SitesError(f"sites.{area}.exit_url is required")
    return Site(
        area=area,
        name=name.strip(),
        colour=colour.lower(),
        website=_https_url(str(merged.get("website") or ""), f"sites.{area}.website"),
        exit_url=exit_url,
    )


def load_sites(path: Path = SITES_FILE) -> dict[str, Site]:
    """Read and check the sites file; key ``""`` is the page without an area."""
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    if not isinstance(data, dict) or not isinstance(data.get("default"), dict):
        raise SitesError("sites file needs a 'default' mapping")
    default = data["default"]
    areas = data.get("areas") or {}
    if not isinstance(areas, dict):
        raise SitesError("sites.areas must be a mapping")
    unknown = set(areas) - set(AREAS)
    if unknown:
        raise SitesError(f"unknown areas in sites file: {sorted(unknown)}")
    sites = {"": _site("default", default, {})}
    for area in AREAS:
        sites[area] = _site(area, areas.get(area, {}), default)
    return sites


def clean_area(value: str | None) -> str:
    """An area id from a query string or attribute, or ``""`` when it is not one."""
    value = (value or "").strip().lower()
    return value if value in AREAS else ""


def _text(value: Any) -> str:
    return str(value).strip() if value not in (None, "") else ""


def _field(item: Any, name: str) -> Any:
    return item.get(name) if isinstance(item, dict) else getattr(item, name, None)


def _hours_text(contact: Any) -> str:
    hours = _field(contact, "hours")
    if hours is None or isinstance(hours, str):
        return _text(hours)
    try:  # the directory words its own hours; only that module knows the structure
        from bot.directory import describe_hours

        return _text(describe_hours(contact))
    except Exception:
        return "24 hours a day, every day" if getattr(hours, "always", False) else ""


def contact_view(contact: Any) -> ContactView:
    """Read a directory contact (object or mapping) defensively into a view."""
    anonymity = _field(contact, "anonymity")
    if anonymity is not None and not isinstance(anonymity, str):
        anonymity = _field(anonymity, "note")
    web = _text(_field(contact, "web"))
    if web and urlsplit(web).scheme != "https":
        web = ""  # only https links reach the page
    return ContactView(
        id=_text(_field(contact, "id")),
        name=_text(_field(contact, "name")),
        phone=_text(_field(contact, "phone")),
        text=_text(_field(contact, "text")),
        email=_text(_field(contact, "email")),
        web=web,
        anonymity=_text(anonymity),
        hours=_hours_text(contact),
    )


def site_for(sites: dict[str, Site], directory: Any, area: str) -> Site:
    """The site for ``area``, named after the partnership the directory lists for it."""
    site = sites.get(area, sites[""])
    if not area or directory is None:
        return site
    try:
        partnership = directory.area(area).partnership
    except Exception:  # no partnership data: keep the sites file's own name
        return site
    if partnership is None:
        return site
    name = _text(_field(partnership, "name")) or site.name
    web = _text(_field(partnership, "web"))
    website = web if urlsplit(web).scheme == "https" else site.website
    return replace(site, name=name, website=website)


def help_contacts(directory: HelpDirectory | None, area: str) -> list[ContactView]:
    """The help-now contacts for ``area``; both partnerships' front doors when it is ``""``."""
    if directory is None:
        return list(FALLBACK_CONTACTS)
    areas: Iterable[str] = (area,) if area else PARTNERSHIP_AREAS
    views: list[ContactView] = []
    seen: set[tuple[str, str, str]] = set()
    try:
        for each in areas:
            for contact in directory.help_now(each):
                view = contact_view(contact)
                key = (view.id, view.name, view.phone)
                if view.name and key not in seen:
                    seen.add(key)
                    views.append(view)
    except Exception:  # the panel must render whatever the directory does
        logger.exception("help-now contacts could not be read; showing the national numbers")
        return list(FALLBACK_CONTACTS)
    return views or list(FALLBACK_CONTACTS)


def _e(value: str) -> str:
    return html.escape(value, quote=True)


def tel_href(number: str) -> str:
    """``tel:`` link target for a UK number as people write it (spaces dropped)."""
    return "tel:" + re.sub(r"[^0-9+]", "", number)


def _is_number(value: str) -> bool:
    return bool(re.fullmatch(r"[0-9 +]{3,}", value))


def render_contact(view: ContactView) -> str:
    """One contact: name and ways to reach it on show; hours and privacy one click away."""
    contact_id = f' data-contact="{_e(view.id)}"' if view.id else ""
    parts = [f'<li class="hoth-help__item"{contact_id}>']
    parts.append(f'<span class="hoth-help__name">{_e(view.name)}</span>')
    if view.phone:
        parts.append(
            f'<a class="hoth-help__phone" href="{_e(tel_href(view.phone))}">'
            f'<span class="hoth-visually-hidden">Call </span>{_e(view.phone)}</a>'
        )
    if view.text:
        label = f"Text {view.text}" if _is_number(view.text) else view.text
        parts.append(f'<span class="hoth-help__detail">{_e(label)}</span>')
    if view.email:
        parts.append(f'<a class="hoth-help__link" href="mailto:{_e(view.email)}">{_e(view.email)}</a>')
    if view.web:
        label = urlsplit(view.web).netloc.removeprefix("www.")
        parts.append(
            f'<a class="hoth-help__link" href="{_e(view.web)}" rel="noopener noreferrer">{_e(label)}</a>'
        )
    more = [f"<p>{_e(value)}</p>" for value in (view.hours, view.anonymity) if value]
    if more:
        parts.append(
            '<details class="hoth-help__more"><summary>Opening hours and privacy'
            f'<span class="hoth-visually-hidden">: {_e(view.name)}</span></summary>{"".join(more)}</details>'
        )
    parts.append("</li>")
    return "".join(parts)


def render_help_now(contacts: Sequence[ContactView]) -> str:
    """The help-now panel: a heading and the contacts, usable without JavaScript."""
    items = "\n".join(render_contact(view) for view in contacts)
    return (
        '<section class="hoth-help" data-testid="help-now" aria-labelledby="hoth-help-title">\n'
        '<h2 class="hoth-help__title" id="hoth-help-title">Help now</h2>\n'
        '<p class="hoth-help__lead">If a child is in danger right now, call 999. '
        "These numbers work even if the chat does not.</p>\n"
        f'<ul class="hoth-help__list">\n{items}\n</ul>\n'
        "</section>"
    )


def _template(name: str) -> Template:
    return Template((TEMPLATE_DIR / name).read_text(encoding="utf-8"))


def render_index(site: Site, contacts: Sequence[ContactView], area: str) -> str:
    """The whole chat page for ``site``; ``area`` is handed to the widget."""
    website = (
        f'<a class="hoth-page__site" href="{_e(site.website)}" rel="noopener noreferrer">'
        f"Back to the {_e(site.name)} website</a>"
        if site.website
        else ""
    )
    return _template("index.html").substitute(
        name=_e(site.name),
        area=_e(area),
        colour=_e(site.colour),
        exit_url=_e(site.exit_url),
        website=website,
        help_now=render_help_now(contacts),
    )


def render_browsing_safely(site: Site) -> str:
    """Plain advice on covering tracks; linked from the quick-exit note."""
    home = f"/?area={site.area}" if site.area in AREAS else "/"
    return _template("browsing-safely.html").substitute(
        name=_e(site.name), exit_url=_e(site.exit_url), home=_e(home)
    )

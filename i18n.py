"""The languages readers get their alerts in: gettext catalogues for words, Babel (CLDR) for dates and numbers.

The Spanish words live in `locale/es/LC_MESSAGES/messages.po`, written by translators and
kept in step with the code by `make messages`. The .po is read as it is at run time (no
compiled .mo to build or forget), so a fresh clone speaks Spanish without an install step.
English is the source language: its words are the msgids themselves.
"""

from __future__ import annotations

import datetime as dt
import gettext as stdlib_gettext
from dataclasses import dataclass
from functools import cache
from io import BytesIO
from pathlib import Path
from typing import Any

from babel.dates import format_date
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.numbers import format_decimal
from babel.support import NullTranslations, Translations
from jinja2 import Environment

LANGUAGES = ("en", "es")
SOURCE_LANGUAGE = "en"
LOCALE_DIR = Path(__file__).resolve().parent / "locale"
DOMAIN = "messages"


def N_(message: str) -> str:  # noqa: N802 - gettext's conventional name, which the extractor looks for
    """Marks a message where it is defined (a table, a constant); it is translated where it is used."""
    return message


def catalogue_path(lang: str) -> Path:
    return LOCALE_DIR / lang / "LC_MESSAGES" / f"{DOMAIN}.po"


@cache
def translations(lang: str) -> stdlib_gettext.NullTranslations:
    """The gettext translations of `lang`; fuzzy entries are left out, so they read as English."""
    if lang not in LANGUAGES:
        raise ValueError(f"{lang!r} is not one of {', '.join(LANGUAGES)}")
    if lang == SOURCE_LANGUAGE:
        return NullTranslations()
    with catalogue_path(lang).open("rb") as po:
        catalog = read_po(po, locale=lang, domain=DOMAIN)
    compiled = BytesIO()
    write_mo(compiled, catalog, use_fuzzy=False)
    compiled.seek(0)
    return Translations(compiled, domain=DOMAIN)


@dataclass(frozen=True)
class Language:
    """One reader's language: its words (gettext) and how it writes dates and numbers (CLDR)."""

    code: str = SOURCE_LANGUAGE

    def gettext(self, message: str) -> str:
        return translations(self.code).gettext(message)

    def ngettext(self, singular: str, plural: str, n: int) -> str:
        return translations(self.code).ngettext(singular, plural, n)

    def date(self, day: dt.date) -> str:
        """`June 6, 2025` / `6 de junio de 2025`."""
        return format_date(day, format="long", locale=self.code)

    def number(self, value: int) -> str:
        """`1,234` / `1.234`."""
        return format_decimal(value, locale=self.code)


ENGLISH = Language(SOURCE_LANGUAGE)


@cache
def language(code: str) -> Language:
    """The Language for a code of LANGUAGES; anything else is a programming error (the files are validated)."""
    if code not in LANGUAGES:
        raise ValueError(f"{code!r} is not one of {', '.join(LANGUAGES)}")
    return Language(code)


def jinja_environment(lang: str, **options: Any) -> Environment:
    """A Jinja2 environment speaking `lang`: `_()`, `ngettext()` and `{% trans %}` (new-style, so
    `_("%(n)s agreements", n=...)` formats itself), and `number` and `date` filters."""
    environment = Environment(extensions=["jinja2.ext.i18n"], **options)
    environment.install_gettext_translations(translations(lang), newstyle=True)
    words = language(lang)
    environment.filters["number"] = words.number
    environment.filters["date"] = words.date
    environment.globals["lang"] = lang
    return environment

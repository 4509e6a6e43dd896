"""Email: rendering the templates into one multipart message, and handing it to SMTP.

Without SMTP_HOST the message is written as an .eml file to the outbox folder instead, with
a one-line note on standard output, so a fresh checkout shows what would have been sent.
Message-IDs are derived from what the message covers, so a message resent after a crash
carries the same Message-ID and mail systems can recognise the repeat.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import smtplib
import sys
from email.message import EmailMessage
from email.utils import format_datetime, formataddr
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from i18n import SOURCE_LANGUAGE, jinja_environment
from settings import TrackerSettings
from storage.atomic_write import write_atomically

if TYPE_CHECKING:
    from alerts.mail_links import MailLinks

TEMPLATES = Path(__file__).resolve().parent / "templates"
DEFAULT_TIMEOUT = 30


class MailUnavailable(Exception):
    """The SMTP server did not accept the message; it stays pending."""


@cache
def environment(lang: str = SOURCE_LANGUAGE) -> Environment:
    """The email templates, speaking `lang` (one environment per language, built once)."""
    return jinja_environment(
        lang,
        loader=FileSystemLoader(TEMPLATES),
        autoescape=select_autoescape(enabled_extensions=("html.j2",), default_for_string=False, default=False),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )


def render(name: str, context: dict[str, Any], lang: str = SOURCE_LANGUAGE) -> tuple[str, str]:
    """Pure: the plain-text and the autoescaped HTML rendering of `name`.txt.j2 / .html.j2, in `lang`."""
    env = environment(lang)
    text = env.get_template(f"{name}.txt.j2").render(**context)
    html = env.get_template(f"{name}.html.j2").render(**context)
    return text, html


def sender(config: TrackerSettings) -> tuple[str, str]:
    """DIGEST_FROM as (name, address). Read by hand, not with parseaddr: in `287(g) tracker <...>`
    the parentheses are an RFC 5322 comment, and the name would come out as `287 tracker`."""
    raw = config.digest_from.strip()
    name, address = "", raw
    if raw.endswith(">") and "<" in raw:
        name, _, address = raw[:-1].rpartition("<")
        name = name.strip().strip('"').strip()
    return name, address.strip() or "tracker@localhost"


def sender_address(config: TrackerSettings) -> str:
    return sender(config)[1]


def message_id(config: TrackerSettings, key: str) -> str:
    digest = hashlib.sha256(key.encode("utf-8")).hexdigest()[:32]
    domain = sender_address(config).rpartition("@")[2] or "localhost"
    return f"<{digest}@{domain}>"


def build_message(
    config: TrackerSettings,
    to: str,
    subject: str,
    text: str,
    html: str,
    key: str,
    now: dt.datetime,
    unsubscribe: bool = True,
    links: MailLinks | None = None,
) -> EmailMessage:
    """Pure: one multipart/alternative message; `key` names what it covers (its Message-ID).

    With `links` (a subscriber's), mail providers offer one-click unsubscribe (RFC 8058).
    """
    message = EmailMessage()
    message["From"] = formataddr(sender(config))
    message["To"] = to
    message["Subject"] = subject
    message["Date"] = format_datetime(now if now.tzinfo else now.replace(tzinfo=dt.UTC))
    message["Message-ID"] = message_id(config, key)
    message["Auto-Submitted"] = "auto-generated"
    if links is not None:
        message["List-Unsubscribe"] = f"<{links.unsubscribe}>"
        message["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    elif unsubscribe:
        message["List-Unsubscribe"] = f"<mailto:{sender_address(config)}?subject=unsubscribe>"
    message.set_content(text)
    message.add_alternative(html, subtype="html")
    return message


def _slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9.-]+", "_", text).strip("_")[:80] or "mail"


class MailTransport:
    """Sends messages over one SMTP connection per pass, or files them in the outbox."""

    def __init__(self, config: TrackerSettings, out: TextIO | None = None) -> None:
        self.config = config
        self.out = out or sys.stdout
        self.smtp: smtplib.SMTP | None = None

    @property
    def to_outbox(self) -> bool:
        return not self.config.smtp_host

    def _connect(self) -> smtplib.SMTP:
        c = self.config
        timeout = float(c.extra.get("SMTP_TIMEOUT", DEFAULT_TIMEOUT))
        if c.smtp_ssl:
            smtp: smtplib.SMTP = smtplib.SMTP_SSL(c.smtp_host, c.smtp_port, timeout=timeout)
        else:
            smtp = smtplib.SMTP(c.smtp_host, c.smtp_port, timeout=timeout)
        try:
            smtp.ehlo()
            if c.smtp_starttls and not c.smtp_ssl:
                smtp.starttls()
                smtp.ehlo()
            if c.smtp_user:
                smtp.login(c.smtp_user, c.smtp_password)
        except BaseException:
            smtp.close()
            raise
        return smtp

    def send(self, message: EmailMessage) -> str:
        """Hand over one message; returns where it went. Raises MailUnavailable when refused."""
        if self.to_outbox:
            name = f"{_slug(str(message['To']))}-{_slug(str(message['Message-ID']).strip('<>'))[:40]}.eml"
            path = self.config.outbox_dir / "email" / name
            write_atomically(path, bytes(message))
            print(f"email → {message['To']} (outbox): {message['Subject']} [{path}]", file=self.out)
            return f"outbox:{name}"
        try:
            if self.smtp is None:
                self.smtp = self._connect()
            self.smtp.send_message(message)
        except smtplib.SMTPNotSupportedError as exc:
            self.close()
            raise MailUnavailable(f"SMTP server {self.config.smtp_host}: {exc} (set SMTP_STARTTLS=false?)") from None
        except (smtplib.SMTPException, OSError) as exc:
            self.close()
            raise MailUnavailable(f"SMTP server {self.config.smtp_host}: {exc.__class__.__name__}: {exc}") from None
        return f"smtp:{message['Message-ID']}"

    def close(self) -> None:
        if self.smtp is not None:
            try:
                self.smtp.quit()
            except (smtplib.SMTPException, OSError):
                self.smtp.close()
            self.smtp = None

    def __enter__(self) -> MailTransport:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

"""Outgoing email (verification and password-reset links) over SMTP.

Sending uses the standard library's `smtplib` in a worker thread. With no SMTP_HOST the message
is not sent; its link is written to the log at WARNING instead, so a self-hoster without a mail
server can still finish the flow. `post` sends in the background: a caller that must not reveal
whether an address exists answers at once whatever the mail server does.
"""

from __future__ import annotations

import asyncio
import logging
import smtplib
import ssl
from email.message import EmailMessage
from email.utils import make_msgid

from todo.config import Settings

log = logging.getLogger(__name__)


class Mailer:
    """Sends plain-text email as configured by the SMTP_* settings."""

    def __init__(
        self,
        *,
        host: str | None,
        port: int = 587,
        user: str | None = None,
        password: str | None = None,
        sender: str = "todo <no-reply@localhost>",
        starttls: bool = True,
        timeout: float = 10.0,
    ) -> None:
        self.host, self.port, self.user, self.password = host, port, user, password
        self.sender, self.starttls, self.timeout = sender, starttls, timeout
        self._pending: set[asyncio.Task[None]] = set()

    @classmethod
    def from_settings(cls, settings: Settings) -> Mailer:
        """The mailer the settings describe."""
        password = settings.smtp_password.get_secret_value() if settings.smtp_password else None
        return cls(
            host=settings.smtp_host,
            port=settings.smtp_port,
            user=settings.smtp_user,
            password=password,
            sender=settings.smtp_from,
            starttls=settings.smtp_starttls,
            timeout=settings.smtp_timeout,
        )

    async def send(self, *, to: str, subject: str, text: str, link: str | None = None) -> None:
        """Send one message (or, with no SMTP_HOST, log `link`); SMTP errors propagate."""
        if not self.host:
            log.warning("SMTP_HOST is not set, so this was not emailed. %s: %s", subject, link)
            return
        message = EmailMessage()
        message["From"], message["To"], message["Subject"] = self.sender, to, subject
        message["Message-ID"] = make_msgid()
        message.set_content(text)
        await asyncio.to_thread(self._deliver, message)

    def post(self, *, to: str, subject: str, text: str, link: str | None = None) -> None:
        """Send in the background; a failure is logged (without the link), never raised."""
        task = asyncio.create_task(self._send_logged(to=to, subject=subject, text=text, link=link))
        self._pending.add(task)
        task.add_done_callback(self._pending.discard)

    async def drain(self) -> None:
        """Wait for the messages still being sent (at shutdown)."""
        if self._pending:
            await asyncio.gather(*self._pending, return_exceptions=True)

    async def _send_logged(self, *, to: str, subject: str, text: str, link: str | None) -> None:
        try:
            await self.send(to=to, subject=subject, text=text, link=link)
        except (OSError, smtplib.SMTPException) as error:
            log.error("could not send %r through %s:%s: %s", subject, self.host, self.port, error)

    def _deliver(self, message: EmailMessage) -> None:
        assert self.host is not None
        context = ssl.create_default_context()
        smtp: smtplib.SMTP
        if self.port == 465:
            smtp = smtplib.SMTP_SSL(self.host, self.port, timeout=self.timeout, context=context)
        else:
            smtp = smtplib.SMTP(self.host, self.port, timeout=self.timeout)
        with smtp:
            if self.starttls and self.port != 465:
                smtp.starttls(context=context)
            if self.user:
                smtp.login(self.user, self.password or "")
            smtp.send_message(message)

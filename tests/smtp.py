"""A real SMTP server on 127.0.0.1 for tests (aiosmtpd): inboxes that accept or refuse."""

from __future__ import annotations

import asyncio
import socket
import time
from email import message_from_bytes, policy


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Inbox:
    """Accepts everything and keeps (envelope recipients, parsed message)."""

    def __init__(self):
        self.messages = []

    async def handle_DATA(self, server, session, envelope):
        self.messages.append((envelope.rcpt_tos, message_from_bytes(envelope.content, policy=policy.default)))
        return "250 OK"

    def to(self, address):
        return [message for recipients, message in self.messages if address in recipients]

    def wait_for(self, address, count=1, timeout=10.0):
        """The messages to `address` once there are `count` of them (mail sent after the response)."""
        deadline = time.monotonic() + timeout
        while len(found := self.to(address)) < count and time.monotonic() < deadline:
            time.sleep(0.02)
        assert len(found) >= count, f"{len(found)} of {count} messages to {address} within {timeout} s"
        return found


class Slow(Inbox):
    """Accepts everything, but only after `delay` seconds, like a distant or busy server."""

    def __init__(self, delay):
        super().__init__()
        self.delay = delay

    async def handle_DATA(self, server, session, envelope):
        await asyncio.sleep(self.delay)
        return await super().handle_DATA(server, session, envelope)


class Refusing(Inbox):
    """Refuses the addresses in `refused` (all when None) with 550; accepts the others."""

    def __init__(self, refused=None):
        super().__init__()
        self.refused = refused

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if self.refused is None or address in self.refused:
            return "550 mailbox unavailable"
        envelope.rcpt_tos.append(address)
        return "250 OK"

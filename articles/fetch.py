"""HTTP fetching for feeds and article pages, safe to point at URLs strangers typed in.

Everything a crawler needs to survive the open web lives here, with no Django in sight
(the caller passes settings in through FetchPolicy):

- a total deadline per fetch, enforced by a watchdog that shuts the socket, so a server
  dripping one byte a second cannot hold a worker past the timeout;
- a size cap applied while streaming, to the decompressed bytes (gzip bombs are refused);
- redirects followed by hand, each hop checked for scheme, address, loops and count;
- an SSRF guard on the address actually connected to: a host name is resolved once, every
  address it resolves to is checked, and the connection goes to that checked address
  (with the original Host header and TLS server name), so DNS rebinding cannot swap it;
  the socket's peer is checked again after connect;
- per-host politeness across processes (HostGate): one request at a time, spaced by the
  policy's delay or the site's robots.txt Crawl-delay (capped), and a per-host pause after
  a 429 or 503 for as long as its Retry-After asks (capped); robots.txt rules (RobotsCache).

Every failure is a FetchError with a machine-readable `kind`, a `transient` flag that tells
the caller whether a retry may help, and a message fit to show an operator.
"""

from __future__ import annotations

import contextlib
import email.utils
import errno
import heapq
import ipaddress
import itertools
import os
import socket
import ssl
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass, field
from typing import Protocol
from urllib.parse import urljoin, urlsplit, urlunsplit
from urllib.robotparser import RobotFileParser

import urllib3
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool
from urllib3.exceptions import (
    ConnectTimeoutError,
    DecodeError,
    HTTPError,
    NewConnectionError,
    ProtocolError,
    ReadTimeoutError,
    SSLError,
)
from urllib3.response import BaseHTTPResponse
from urllib3.util.ssl_match_hostname import CertificateError

__all__ = [
    "FetchError",
    "FetchPolicy",
    "FetchResult",
    "Fetcher",
    "HostGate",
    "LocalHostGate",
    "RedisHostGate",
    "RobotsCache",
    "is_public_address",
    "parse_retry_after",
    "product_token",
    "resolve_host",
]

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
AddressPredicate = Callable[[IPAddress], bool]

DEFAULT_USER_AGENT = "SilsilaBot/0.1 (+https://github.com/silsila/silsila; news story timelines)"
ALLOWED_SCHEMES = frozenset({"http", "https"})
REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})
# 408 and 429 say "not now" rather than "never"; every 5xx may clear up on its own.
TRANSIENT_STATUSES = frozenset({408, 429})
# "Slow down": the whole host is left alone for a while (Retry-After, or the policy's default).
BACK_OFF_STATUSES = frozenset({429, 503})
# Read in slices this big: small enough that the size cap and the deadline are checked
# often, large enough that a 15 MiB page is a few hundred reads.
_CHUNK = 64 * 1024
# A redirect's own body is read (so the connection can be reused) only when this small.
_MAX_DISCARD = 64 * 1024
_MAX_POOLS = 64
# LocalHostGate forgets hosts it is no longer spacing once it tracks more than this many.
_MAX_LOCAL_HOSTS = 10_000


# --- Errors -----------------------------------------------------------------------------


class FetchError(Exception):
    """A fetch that did not produce a usable response.

    kind is one of: bad_url, bad_scheme, blocked_address, dns, connection, tls, timeout,
    too_large, too_many_redirects, redirect_loop, http_status, decode, host_busy,
    host_gate, robots_disallowed, robots_unavailable.
    """

    def __init__(
        self,
        message: str,
        *,
        kind: str,
        transient: bool,
        url: str | None = None,
        status: int | None = None,
        retry_after: float | None = None,
    ) -> None:
        super().__init__(message)
        self.kind = kind
        self.transient = transient
        self.url = url
        self.status = status
        self.retry_after = retry_after

    def __repr__(self) -> str:
        return f"FetchError(kind={self.kind!r}, transient={self.transient}, message={str(self)!r})"


# --- Policy and result ------------------------------------------------------------------


@dataclass(frozen=True)
class FetchPolicy:
    timeout: float = 20.0  # total seconds for one fetch, redirects and host-gate waits included
    max_bytes: int = 15 * 1024 * 1024  # of the decompressed body
    max_redirects: int = 5
    user_agent: str = DEFAULT_USER_AGENT
    allow_private: bool = False  # loopback/private/link-local targets; for development only
    host_delay: float = 1.0  # seconds between two requests to one host (with a HostGate)
    # One socket connect or read may not take longer than this (the total still applies).
    connect_timeout: float = 10.0
    # robots.txt Crawl-delay is honoured up to this many seconds (a site asking for more
    # is still crawled, this slowly).
    max_crawl_delay: float = 30.0
    # After a 429 or 503 the host is paused for its Retry-After, or this long without one,
    # and never longer than max_back_off.
    back_off: float = 60.0
    max_back_off: float = 3600.0


@dataclass(frozen=True)
class FetchResult:
    url: str  # final URL, after redirects
    status: int
    headers: dict[str, str]  # lower-case names
    body: bytes  # decompressed; empty when not_modified
    content_type: str | None  # media type only, lower-case ("text/html")
    charset: str | None
    etag: str | None
    last_modified: str | None
    not_modified: bool
    elapsed: float  # seconds
    redirects: tuple[str, ...] = field(default=())  # URLs that redirected, in order


# --- Addresses --------------------------------------------------------------------------

_NAT64 = ipaddress.IPv6Network("64:ff9b::/96")


def is_public_address(address: IPAddress) -> bool:
    """Whether a crawler may connect to this address: globally routable unicast only.

    IPv6 forms that carry an IPv4 address (mapped, NAT64, 6to4, Teredo) are judged by the
    IPv4 address inside, since that is where the packets end up.
    """
    if isinstance(address, ipaddress.IPv6Address):
        if address.ipv4_mapped is not None:
            return is_public_address(address.ipv4_mapped)
        if address in _NAT64:
            return is_public_address(ipaddress.IPv4Address(int(address) & 0xFFFFFFFF))
        if address.sixtofour is not None and not is_public_address(address.sixtofour):
            return False
        if address.teredo is not None and not all(is_public_address(a) for a in address.teredo):
            return False
        if address.scope_id:
            return False
    return not (
        address.is_private
        or address.is_loopback
        or address.is_link_local
        or address.is_multicast
        or address.is_reserved
        or address.is_unspecified
        or not address.is_global
    )


def resolve_host(host: str, port: int) -> list[IPAddress]:
    """Every address a host name resolves to, in the resolver's order of preference.

    An IP literal is returned as is. This is the one place names become addresses, so a
    test may swap it to make a public-looking name resolve somewhere private.
    """
    literal = _ip_literal(host)
    if literal is not None:
        return [literal]
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM, proto=socket.IPPROTO_TCP)
    seen: dict[IPAddress, None] = {}
    for _family, _type, _proto, _canon, sockaddr in infos:
        seen.setdefault(ipaddress.ip_address(sockaddr[0].split("%", 1)[0]), None)
    return list(seen)


def _ip_literal(host: str) -> IPAddress | None:
    try:
        return ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return None


# --- Deadline watchdog ------------------------------------------------------------------


class _Alarm:
    __slots__ = ("cancelled", "fired", "sock")

    def __init__(self) -> None:
        self.sock: socket.socket | None = None
        self.cancelled = False
        self.fired = False


class _Watchdog:
    """One thread per process that shuts the socket of any fetch past its deadline.

    Socket timeouts bound each read, not the sum of them: a server that sends a byte every
    second never trips a 20-second read timeout. Shutting the socket down from outside
    wakes the blocked read whatever it is waiting for (headers or body).
    """

    def __init__(self) -> None:
        self._cond = threading.Condition()
        self._heap: list[tuple[float, int, _Alarm]] = []
        self._seq = itertools.count()
        self._thread: threading.Thread | None = None

    def arm(self, deadline: float) -> _Alarm:
        alarm = _Alarm()
        with self._cond:
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name="silsila-fetch-watchdog", daemon=True)
                self._thread.start()
            heapq.heappush(self._heap, (deadline, next(self._seq), alarm))
            self._cond.notify()
        return alarm

    def watch(self, alarm: _Alarm, sock: socket.socket | None) -> None:
        with self._cond:
            alarm.sock = sock
            if alarm.fired:
                _shutdown(sock)

    def cancel(self, alarm: _Alarm) -> None:
        # Under the lock, so once this returns the socket is never shut behind our back
        # (it may go back to the pool and serve someone else's fetch).
        with self._cond:
            alarm.cancelled = True
            alarm.sock = None

    def _run(self) -> None:
        with self._cond:
            while True:
                now = time.monotonic()
                while self._heap and (self._heap[0][2].cancelled or self._heap[0][0] <= now):
                    _, _, alarm = heapq.heappop(self._heap)
                    if not alarm.cancelled:
                        alarm.fired = True
                        _shutdown(alarm.sock)
                self._cond.wait(self._heap[0][0] - now if self._heap else None)


def _shutdown(sock: socket.socket | None) -> None:
    if sock is None:
        return
    with contextlib.suppress(OSError):
        sock.shutdown(socket.SHUT_RDWR)


_watchdog = _Watchdog()


def _new_watchdog_after_fork() -> None:
    # The thread does not survive fork (Celery's prefork pool); the child starts its own.
    global _watchdog
    _watchdog = _Watchdog()


os.register_at_fork(after_in_child=_new_watchdog_after_fork)
_current = threading.local()  # .alarm: the _Alarm of the fetch running on this thread


# --- Guarded connections ----------------------------------------------------------------


class _GuardedMixin:
    """Connection behaviour shared by HTTP and HTTPS: peer check and deadline watch."""

    address_allowed: AddressPredicate
    sock: socket.socket | None

    def _new_conn(self) -> socket.socket:
        sock: socket.socket = super()._new_conn()  # type: ignore[misc]
        # We dialled an address we had already checked; check the peer anyway, so nothing
        # between here and the kernel (a proxy setting, a future refactor) can slip past.
        peer = _ip_literal(sock.getpeername()[0].split("%", 1)[0])
        if peer is None or not self.address_allowed(peer):
            sock.close()
            raise FetchError(
                f"refused to connect to {peer}: not a public address",
                kind="blocked_address",
                transient=False,
            )
        return sock

    def getresponse(self, *args: object, **kwargs: object) -> BaseHTTPResponse:
        alarm: _Alarm | None = getattr(_current, "alarm", None)
        if alarm is not None:
            _watchdog.watch(alarm, self.sock)
        return super().getresponse(*args, **kwargs)  # type: ignore[misc]


class _GuardedHTTPConnection(_GuardedMixin, HTTPConnection):
    def __init__(self, *args: object, address_allowed: AddressPredicate, **kwargs: object) -> None:
        self.address_allowed = address_allowed
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]


class _GuardedHTTPSConnection(_GuardedMixin, HTTPSConnection):
    def __init__(self, *args: object, address_allowed: AddressPredicate, **kwargs: object) -> None:
        self.address_allowed = address_allowed
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]


class _HTTPPool(HTTPConnectionPool):
    ConnectionCls = _GuardedHTTPConnection


class _HTTPSPool(HTTPSConnectionPool):
    ConnectionCls = _GuardedHTTPSConnection


# --- Host gates -------------------------------------------------------------------------


class HostGate(Protocol):
    """One request at a time per host, `delay` seconds apart, across every user of the gate.

    hold() waits at most `wait` seconds for its turn, then raises FetchError(kind="host_busy",
    transient=True, retry_after=the pause still ahead when known). The delay counts from the
    end of the previous request. back_off() pauses the host for `seconds` from now (a
    429/503), unless it is already paused for longer.
    """

    def hold(self, host: str, *, delay: float, wait: float) -> AbstractContextManager[None]: ...

    def back_off(self, host: str, seconds: float) -> None: ...

    def book(self, host: str, *, after: float, delay: float) -> float:
        """Reserve a later turn at the host for a request that will not wait for it now.

        Returns the seconds from now to that turn: at least `after` (the pause the host is
        in), and behind every turn booked before, `delay` apart. The booking only spreads the
        callers who come back (a queued task's countdown); hold() still decides who goes.
        """
        ...


def _busy(host: str, wait: float, pause: float | None = None) -> FetchError:
    return FetchError(
        f"{host} is busy with other requests from this crawler (waited {wait:.1f}s for a turn)"
        if pause is None
        else f"{host} is paused for {pause:.1f}s more (politeness or its Retry-After)",
        kind="host_busy",
        transient=True,
        retry_after=pause,
    )


class _LocalSlot:
    __slots__ = ("booked_until", "lock", "next_at")

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.next_at = 0.0
        self.booked_until = 0.0


class LocalHostGate:
    """Politeness between the threads of one process (the embedded, single-process mode)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._slots: dict[str, _LocalSlot] = {}

    @contextmanager
    def hold(self, host: str, *, delay: float, wait: float) -> Iterator[None]:
        give_up = time.monotonic() + wait
        with self._lock:
            if len(self._slots) > _MAX_LOCAL_HOSTS:
                self._forget_idle_hosts()
            slot = self._slots.setdefault(host, _LocalSlot())
        if not slot.lock.acquire(timeout=max(wait, 0.0)):
            raise _busy(host, wait)
        try:
            pause = slot.next_at - time.monotonic()
            if pause > 0:
                if time.monotonic() + pause > give_up:
                    raise _busy(host, wait, pause)
                time.sleep(pause)
            try:
                yield
            finally:
                # max(): a back_off() during the request must not be shortened by the delay.
                slot.next_at = max(slot.next_at, time.monotonic() + delay)
        finally:
            slot.lock.release()

    def back_off(self, host: str, seconds: float) -> None:
        with self._lock:
            slot = self._slots.setdefault(host, _LocalSlot())
            slot.next_at = max(slot.next_at, time.monotonic() + seconds)

    def book(self, host: str, *, after: float, delay: float) -> float:
        with self._lock:
            slot = self._slots.setdefault(host, _LocalSlot())
            now = time.monotonic()
            turn = max(now + after, slot.booked_until)
            slot.booked_until = turn + delay
            return turn - now

    def _forget_idle_hosts(self) -> None:
        now = time.monotonic()
        for host, slot in list(self._slots.items()):
            if max(slot.next_at, slot.booked_until) < now and not slot.lock.locked():
                del self._slots[host]


class RedisHostGate:
    """Politeness across worker processes and machines, kept in Redis.

    Per host: a lock (redis-py's token lock, which expires if its holder dies) and a key
    whose remaining TTL is the time left before the host may be asked again, so no two
    machines' clocks are ever compared.
    """

    def __init__(self, redis_url: str, *, prefix: str = "silsila:fetch", poll: float = 0.02) -> None:
        import redis  # only the Redis mode needs it

        self._redis = redis.Redis.from_url(redis_url)
        self._errors = redis.RedisError
        self._prefix = prefix
        self._poll = poll

    @contextmanager
    def hold(self, host: str, *, delay: float, wait: float) -> Iterator[None]:
        from redis.exceptions import LockError

        started = time.monotonic()
        # The holder gives up by its own deadline (<= wait) after a pause (<= wait); the
        # expiry only matters if it dies holding the lock.
        lock = self._redis.lock(
            f"{self._prefix}:lock:{host}",
            timeout=2 * wait + 5,
            sleep=self._poll,
            blocking=True,
            blocking_timeout=max(wait, 0.001),
        )
        next_key = f"{self._prefix}:next:{host}"
        try:
            acquired = lock.acquire()
        except self._errors as exc:
            raise _gate_error(exc) from exc
        if not acquired:
            raise _busy(host, wait)
        try:
            try:
                pause_ms = self._redis.pttl(next_key)
            except self._errors as exc:
                raise _gate_error(exc) from exc
            if pause_ms > 0:
                # PTTL rounds down; the extra millisecond keeps the delay a true minimum.
                pause = (pause_ms + 1) / 1000
                if time.monotonic() - started + pause > wait:
                    raise _busy(host, wait, pause)
                time.sleep(pause)
            try:
                yield
            finally:
                if delay > 0:
                    with contextlib.suppress(self._errors):
                        self._pause(next_key, delay)
        finally:
            # An expired lock (we overran its TTL) is already someone else's; leave it be.
            with contextlib.suppress(LockError, self._errors):
                lock.release()

    def back_off(self, host: str, seconds: float) -> None:
        try:
            self._pause(f"{self._prefix}:next:{host}", seconds)
        except self._errors as exc:
            raise _gate_error(exc) from exc

    def book(self, host: str, *, after: float, delay: float) -> float:
        try:
            turn_ms = self._redis.eval(
                _BOOK_TURN,
                1,
                f"{self._prefix}:booked:{host}",
                max(0, round(after * 1000)),
                max(1, round(delay * 1000)),
            )
        except self._errors as exc:
            raise _gate_error(exc) from exc
        return int(turn_ms) / 1000

    def _pause(self, key: str, seconds: float) -> None:
        # Only ever lengthens the pause: a Retry-After must outlast the ordinary delay.
        self._redis.eval(_LENGTHEN_PAUSE, 1, key, max(1, round(seconds * 1000)))


_LENGTHEN_PAUSE = """
if redis.call('PTTL', KEYS[1]) < tonumber(ARGV[1]) then
  redis.call('SET', KEYS[1], '1', 'PX', ARGV[1])
end
"""

# The key's remaining TTL is when the last booked turn ends, so no two clocks are compared:
# the new turn starts at the later of that and `after`, and the key then lives `delay` past it.
_BOOK_TURN = """
local booked = redis.call('PTTL', KEYS[1])
if booked < 0 then booked = 0 end
local turn = math.max(booked, tonumber(ARGV[1]))
redis.call('SET', KEYS[1], '1', 'PX', turn + tonumber(ARGV[2]))
return turn
"""


def _gate_error(exc: Exception) -> FetchError:
    return FetchError(f"host gate unavailable (Redis): {exc}", kind="host_gate", transient=True)


# --- robots.txt -------------------------------------------------------------------------


def product_token(user_agent: str) -> str:
    """The product token robots.txt groups match against: "SilsilaBot" in "SilsilaBot/0.1 (...)"."""
    token = user_agent.strip().split("/", 1)[0].split(" ", 1)[0]
    return token or user_agent


@dataclass
class _RobotsEntry:
    expires: float
    parser: RobotFileParser | None  # None: everything allowed
    error: FetchError | None = None  # set: robots.txt unavailable, fetches wait


class RobotsCache:
    """robots.txt per origin, fetched through a guarded Fetcher and kept for `ttl` seconds.

    As RFC 9309 says: a 4xx (no file) allows everything; a 5xx or an unreachable server
    disallows everything for now, re-asked after `error_ttl` seconds.
    """

    def __init__(
        self, fetcher: Fetcher, *, ttl: float = 3600.0, error_ttl: float = 300.0, max_entries: int = 10_000
    ) -> None:
        self._fetcher = fetcher
        self._ttl = ttl
        self._error_ttl = error_ttl
        self._max_entries = max_entries
        self._lock = threading.Lock()
        self._entries: OrderedDict[str, _RobotsEntry] = OrderedDict()

    def check(
        self, url: str, user_agent: str, *, deadline: float | None = None, gate_wait: float | None = None
    ) -> None:
        """Raise FetchError (robots_disallowed / robots_unavailable) unless url may be fetched.

        gate_wait: how long fetching robots.txt may wait for the host's turn (as Fetcher.fetch).
        """
        parts = urlsplit(url)
        origin = urlunsplit((parts.scheme, parts.netloc, "", "", ""))
        entry = self._entry(origin, deadline, gate_wait)
        if entry.error is not None:
            raise entry.error
        if entry.parser is None:
            return
        token = product_token(user_agent)
        if not entry.parser.can_fetch(token, url):
            raise FetchError(
                f"robots.txt of {parts.netloc} disallows {token} from fetching {url}",
                kind="robots_disallowed",
                transient=False,
                url=url,
            )

    def crawl_delay(self, url: str, user_agent: str) -> float | None:
        """The Crawl-delay the site's cached robots.txt asks of us, if any (never fetches)."""
        parts = urlsplit(url)
        origin = urlunsplit((parts.scheme, parts.netloc, "", "", ""))
        with self._lock:
            entry = self._entries.get(origin)
        if entry is None or entry.parser is None:
            return None
        try:
            delay = entry.parser.crawl_delay(product_token(user_agent))
        except (TypeError, ValueError):
            return None
        try:
            return float(delay) if delay is not None else None
        except (TypeError, ValueError):
            return None

    def _entry(self, origin: str, deadline: float | None, gate_wait: float | None) -> _RobotsEntry:
        now = time.monotonic()
        with self._lock:
            entry = self._entries.get(origin)
            if entry is not None and entry.expires > now:
                self._entries.move_to_end(origin)
                return entry
        entry = self._load(origin, deadline, gate_wait)
        with self._lock:
            self._entries[origin] = entry
            self._entries.move_to_end(origin)
            while len(self._entries) > self._max_entries:
                self._entries.popitem(last=False)
        return entry

    def _load(self, origin: str, deadline: float | None, gate_wait: float | None) -> _RobotsEntry:
        robots_url = f"{origin}/robots.txt"
        now = time.monotonic()
        try:
            result = self._fetcher.fetch(robots_url, deadline=deadline, gate_wait=gate_wait)
        except FetchError as exc:
            if exc.kind in {"host_busy", "host_gate"}:
                raise  # our own congestion says nothing about the site: nothing to cache
            if exc.kind == "http_status" and not exc.transient:
                return _RobotsEntry(expires=now + self._ttl, parser=None)
            if exc.kind in {"too_many_redirects", "redirect_loop"}:
                # RFC 9309 2.3.1.2: past five redirects the file counts as unavailable (4xx).
                return _RobotsEntry(expires=now + self._ttl, parser=None)
            error = FetchError(
                f"robots.txt of {origin} could not be read ({exc}); not fetching from it for now",
                kind="robots_unavailable",
                transient=exc.transient,
                url=robots_url,
            )
            return _RobotsEntry(expires=now + self._error_ttl, parser=None, error=error)
        parser = RobotFileParser(robots_url)
        parser.parse(result.body.decode("utf-8", errors="replace").splitlines())
        return _RobotsEntry(expires=now + self._ttl, parser=parser)


# --- The fetcher ------------------------------------------------------------------------


@dataclass(frozen=True)
class _Target:
    url: str
    scheme: str
    host: str  # lower-case, IPv6 without brackets
    port: int
    host_header: str
    request_target: str  # path and query


def _parse_target(url: str) -> _Target:
    try:
        parts = urlsplit(url.strip())
        port = parts.port
    except ValueError as exc:
        raise FetchError(
            f"not a valid URL: {url!r} ({exc})", kind="bad_url", transient=False, url=url
        ) from exc
    scheme = parts.scheme.lower()
    if scheme not in ALLOWED_SCHEMES:
        raise FetchError(
            f"refused {scheme or 'scheme-less'} URL {url!r}: only http and https are fetched",
            kind="bad_scheme",
            transient=False,
            url=url,
        )
    host = (parts.hostname or "").rstrip(".")
    if not host:
        raise FetchError(f"URL has no host: {url!r}", kind="bad_url", transient=False, url=url)
    if _ip_literal(host) is None:
        try:
            host.encode("ascii")
        except UnicodeEncodeError:
            try:
                host = host.encode("idna").decode("ascii")
            except UnicodeError as exc:
                raise FetchError(
                    f"URL has an invalid host name: {url!r}", kind="bad_url", transient=False, url=url
                ) from exc
    default_port = 443 if scheme == "https" else 80
    port = port or default_port
    shown_host = f"[{host}]" if ":" in host else host
    host_header = shown_host if port == default_port else f"{shown_host}:{port}"
    path = parts.path or "/"
    request_target = f"{path}?{parts.query}" if parts.query else path
    # The fragment never goes on the wire; dropping it also makes loop detection exact.
    clean = urlunsplit((scheme, host_header, path, parts.query, ""))
    return _Target(clean, scheme, host, port, host_header, request_target)


class Fetcher:
    """Fetches URLs under a FetchPolicy; reuse one per process (it pools connections).

    gate: per-host politeness (none: requests are not spaced, as in tests and benchmarks).
    robots: consulted when fetch(check_robots=True).
    address_allowed: which addresses may be connected to; defaults to public ones only
        (or any, with policy.allow_private). A seam for tests and special deployments.
    ca_certs: a CA bundle file to trust instead of the system's (tests, private CAs).
    """

    def __init__(
        self,
        policy: FetchPolicy,
        *,
        gate: HostGate | None = None,
        robots: RobotsCache | None = None,
        address_allowed: AddressPredicate | None = None,
        ca_certs: str | None = None,
    ) -> None:
        self.policy = policy
        self.ca_certs = ca_certs
        self.gate = gate
        self.robots = robots
        if address_allowed is None:
            address_allowed = _allow_any if policy.allow_private else is_public_address
        self.address_allowed = address_allowed
        self._pools: OrderedDict[tuple[str, str, int, str], HTTPConnectionPool] = OrderedDict()
        self._pools_lock = threading.Lock()
        self._pid = os.getpid()
        self._base_headers = {
            "User-Agent": policy.user_agent,
            "Accept": "*/*",
            "Accept-Encoding": urllib3.util.make_headers(accept_encoding=True)["accept-encoding"],
        }

    def fetch(
        self,
        url: str,
        *,
        etag: str | None = None,
        last_modified: str | None = None,
        check_robots: bool = False,
        deadline: float | None = None,
        gate_wait: float | None = None,
    ) -> FetchResult:
        """GET url (following redirects) and return its decompressed body.

        etag / last_modified make the request conditional; a 304 comes back as a result
        with not_modified=True and no body. check_robots consults robots.txt for every hop
        (page fetches; not the feeds an operator chose). deadline (time.monotonic()) is an
        outer limit that can only shorten policy.timeout. gate_wait: the longest this fetch
        waits for its host's turn (default: until the deadline); past it, FetchError
        host_busy with the pause still ahead, for a caller that would rather come back later
        than sleep.
        """
        started = time.monotonic()
        own_deadline = started + self.policy.timeout
        deadline = own_deadline if deadline is None else min(deadline, own_deadline)
        headers = dict(self._base_headers)
        if etag:
            headers["If-None-Match"] = etag
        if last_modified:
            headers["If-Modified-Since"] = last_modified

        target = _parse_target(url)
        seen = {target.url}
        redirects: list[str] = []
        while True:
            if check_robots and self.robots is not None:
                self.robots.check(target.url, self.policy.user_agent, deadline=deadline, gate_wait=gate_wait)
            try:
                with self._gate(target, deadline, gate_wait):
                    status, response_headers, body, location = self._exchange(target, headers, deadline)
            except FetchError as exc:
                if exc.status in BACK_OFF_STATUSES:
                    self._back_off(target, exc)
                raise
            if location is None:
                break
            next_url = urljoin(target.url, location)
            redirects.append(target.url)
            try:
                target = _parse_target(next_url)
            except FetchError as exc:
                raise FetchError(
                    f"{target.url} redirected to a URL that is not fetched: {exc}",
                    kind=exc.kind,
                    transient=False,
                    url=next_url,
                ) from exc
            if target.url in seen:
                raise FetchError(
                    f"redirect loop: {' -> '.join([*redirects, target.url])}",
                    kind="redirect_loop",
                    transient=False,
                    url=url,
                )
            if len(redirects) > self.policy.max_redirects:
                raise FetchError(
                    f"more than {self.policy.max_redirects} redirects starting at {url}",
                    kind="too_many_redirects",
                    transient=False,
                    url=url,
                )
            seen.add(target.url)

        content_type, charset = _parse_content_type(response_headers.get("content-type"))
        return FetchResult(
            url=target.url,
            status=status,
            headers=response_headers,
            body=body,
            content_type=content_type,
            charset=charset,
            etag=response_headers.get("etag"),
            last_modified=response_headers.get("last-modified"),
            not_modified=status == 304,
            elapsed=time.monotonic() - started,
            redirects=tuple(redirects),
        )

    def close(self) -> None:
        with self._pools_lock:
            pools = list(self._pools.values())
            self._pools.clear()
        for pool in pools:
            pool.close()

    # -- one hop ---------------------------------------------------------------------------

    def book_turn(self, url: str, *, after: float) -> float:
        """Seconds from now to a turn booked at url's host for a request that goes later
        (HostGate.book): at least `after`, behind the turns booked before it."""
        target = _parse_target(url)
        if self.gate is None:
            return after
        return self.gate.book(target.host, after=after, delay=self._delay(target))

    def _delay(self, target: _Target) -> float:
        delay = self.policy.host_delay
        if self.robots is not None:
            asked = self.robots.crawl_delay(target.url, self.policy.user_agent)
            if asked is not None and asked > delay:
                delay = min(asked, max(self.policy.max_crawl_delay, delay))
        return delay

    def _gate(
        self, target: _Target, deadline: float, gate_wait: float | None = None
    ) -> AbstractContextManager[None]:
        if self.gate is None:
            return contextlib.nullcontext()
        wait = max(0.0, deadline - time.monotonic())
        if gate_wait is not None:
            wait = min(wait, max(0.0, gate_wait))
        return self.gate.hold(target.host, delay=self._delay(target), wait=wait)

    def _back_off(self, target: _Target, exc: FetchError) -> None:
        """Leave a host that answered 429/503 alone for its Retry-After (capped) or the default."""
        asked = exc.retry_after if exc.retry_after is not None else self.policy.back_off
        seconds = max(0.0, min(asked, self.policy.max_back_off))
        exc.retry_after = seconds
        if self.gate is not None and seconds > 0:
            with contextlib.suppress(FetchError):  # a gate outage must not hide the HTTP error
                self.gate.back_off(target.host, seconds)

    def _exchange(
        self, target: _Target, headers: dict[str, str], deadline: float
    ) -> tuple[int, dict[str, str], bytes, str | None]:
        """One request: (status, headers, body, redirect location or None)."""
        addresses = self._addresses(target)
        alarm = _watchdog.arm(deadline)
        _current.alarm = alarm
        response: BaseHTTPResponse | None = None
        try:
            response = self._send(target, addresses, {**headers, "Host": target.host_header}, deadline)
            status = response.status
            response_headers = {name.lower(): value for name, value in response.headers.itermerged()}
            location = response_headers.get("location")
            if status in REDIRECT_STATUSES and location:
                self._discard(response)
                return status, response_headers, b"", location
            if status == 304:
                self._discard(response)
                return status, response_headers, b"", None
            if not 200 <= status < 300:
                self._discard(response)
                raise _status_error(target.url, status, response_headers)
            body = self._read_body(target, response, response_headers, alarm)
            return status, response_headers, body, None
        except FetchError:
            raise
        except NewConnectionError as exc:
            # Checked first: urllib3 makes it a subclass of ConnectTimeoutError.
            raise _connection_error(target, exc) from exc
        except (ReadTimeoutError, ConnectTimeoutError, TimeoutError) as exc:
            raise _timeout(target, self.policy.timeout) from exc
        except (HTTPError, OSError) as exc:
            if alarm.fired:
                raise _timeout(target, self.policy.timeout) from exc
            raise _connection_error(target, exc) from exc
        finally:
            _current.alarm = None
            _watchdog.cancel(alarm)
            if response is not None:
                if alarm.fired:
                    # The socket was shut mid-response; it must not go back to the pool.
                    response.close()
                response.release_conn()

    def _addresses(self, target: _Target) -> list[IPAddress]:
        try:
            addresses = resolve_host(target.host, target.port)
        except (OSError, UnicodeError) as exc:
            raise FetchError(
                f"could not resolve {target.host}: {exc}", kind="dns", transient=True, url=target.url
            ) from exc
        if not addresses:
            raise FetchError(f"{target.host} has no addresses", kind="dns", transient=True, url=target.url)
        # All of them, not just the one we would use: a name that mixes public and private
        # answers is a rebinding attempt, not a misconfiguration worth working around.
        blocked = [a for a in addresses if not self.address_allowed(a)]
        if blocked:
            where = "" if _ip_literal(target.host) else f"{target.host} resolves to "
            listed = ", ".join(map(str, blocked))
            raise FetchError(
                f"refused to fetch {target.url}: {where}{listed} is not a public address",
                kind="blocked_address",
                transient=False,
                url=target.url,
            )
        return addresses

    def _send(
        self, target: _Target, addresses: list[IPAddress], headers: dict[str, str], deadline: float
    ) -> BaseHTTPResponse:
        last_error: Exception | None = None
        for address in addresses:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise _timeout(target, self.policy.timeout)
            timeout = urllib3.Timeout(
                connect=min(remaining, self.policy.connect_timeout), read=min(remaining, self.policy.timeout)
            )
            pool = self._pool(target, address)
            try:
                return pool.urlopen(
                    "GET",
                    target.request_target,
                    headers=headers,
                    retries=False,
                    redirect=False,
                    assert_same_host=False,
                    preload_content=False,
                    decode_content=True,
                    release_conn=False,
                    timeout=timeout,
                )
            except NewConnectionError as exc:
                # Refused or unreachable: the next address of the same host may answer.
                last_error = exc
        assert last_error is not None
        raise last_error

    def _pool(self, target: _Target, address: IPAddress) -> HTTPConnectionPool:
        key = (target.scheme, str(address), target.port, target.host)
        with self._pools_lock:
            if self._pid != os.getpid():
                # Sockets inherited across fork belong to the parent; start afresh.
                self._pools.clear()
                self._pid = os.getpid()
            pool = self._pools.get(key)
            if pool is not None:
                self._pools.move_to_end(key)
                return pool
            common = {"maxsize": 4, "block": False, "retries": False, "address_allowed": self.address_allowed}
            if target.scheme == "https":
                # Dial the checked address, but present and verify the certificate for the name.
                pool = _HTTPSPool(
                    str(address), target.port, server_hostname=target.host, ca_certs=self.ca_certs, **common
                )
            else:
                pool = _HTTPPool(str(address), target.port, **common)
            self._pools[key] = pool
            while len(self._pools) > _MAX_POOLS:
                _, old = self._pools.popitem(last=False)
                old.close()
            return pool

    def _read_body(
        self, target: _Target, response: BaseHTTPResponse, headers: dict[str, str], alarm: _Alarm
    ) -> bytes:
        limit = self.policy.max_bytes
        declared = headers.get("content-length", "")
        if declared.isdigit() and int(declared) > limit:
            response.close()
            raise _too_large(target, limit, f"it declares {int(declared):,} bytes")
        chunks: list[bytes] = []
        total = 0
        try:
            while True:
                chunk = response.read1(_CHUNK)
                if not chunk:
                    break
                total += len(chunk)
                if total > limit:
                    response.close()
                    raise _too_large(target, limit, "")
                chunks.append(chunk)
        except DecodeError as exc:
            response.close()
            raise FetchError(
                f"could not decompress the body of {target.url}: {exc}",
                kind="decode",
                transient=False,
                url=target.url,
            ) from exc
        if alarm.fired:
            # A close-delimited body ends "cleanly" when the watchdog shuts the socket.
            raise _timeout(target, self.policy.timeout)
        return b"".join(chunks)

    def _discard(self, response: BaseHTTPResponse) -> None:
        """Finish with a response whose body we do not want, keeping the connection if cheap."""
        declared = response.headers.get("content-length", "")
        if declared.isdigit() and int(declared) <= _MAX_DISCARD:
            try:
                # Raw, not decoded: a small compressed body can still be a bomb.
                response.read(decode_content=False)
            except (HTTPError, OSError):
                response.close()
        else:
            response.close()


def _allow_any(address: IPAddress) -> bool:
    return True


def _parse_content_type(value: str | None) -> tuple[str | None, str | None]:
    if not value:
        return None, None
    media_type, *params = value.split(";")
    charset = None
    for param in params:
        name, _, param_value = param.partition("=")
        if name.strip().lower() == "charset":
            charset = param_value.strip().strip("\"'").lower() or None
    return media_type.strip().lower() or None, charset


def _status_error(url: str, status: int, headers: dict[str, str]) -> FetchError:
    transient = status >= 500 or status in TRANSIENT_STATUSES
    return FetchError(
        f"HTTP {status} from {url}",
        kind="http_status",
        transient=transient,
        url=url,
        status=status,
        retry_after=parse_retry_after(headers.get("retry-after", "")),
    )


def parse_retry_after(value: str, *, now: float | None = None) -> float | None:
    """Seconds a Retry-After header asks for: delay-seconds or an HTTP-date (RFC 9110 10.2.3)."""
    value = value.strip()
    if not value:
        return None
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when is None or when.tzinfo is None:
        return None
    return max(0.0, when.timestamp() - (time.time() if now is None else now))


def _timeout(target: _Target, seconds: float) -> FetchError:
    return FetchError(
        f"timed out fetching {target.url} (limit {seconds:g}s for the whole fetch)",
        kind="timeout",
        transient=True,
        url=target.url,
    )


def _too_large(target: _Target, limit: int, detail: str) -> FetchError:
    detail = f" ({detail})" if detail else ""
    return FetchError(
        f"response from {target.url} is larger than the {limit:,}-byte limit{detail}",
        kind="too_large",
        transient=False,
        url=target.url,
    )


def _is_cert_failure(exc: BaseException) -> bool:
    seen: BaseException | None = exc
    for _ in range(6):
        if seen is None:
            return False
        if isinstance(seen, ssl.SSLCertVerificationError | CertificateError):
            return True
        seen = seen.__cause__ or seen.__context__
    return False


def _connection_error(target: _Target, exc: Exception) -> FetchError:
    reason = exc.__cause__ or exc.__context__ or exc
    if isinstance(exc, SSLError):
        # A certificate that does not verify stays that way; a handshake cut short may not.
        return FetchError(
            f"TLS error with {target.host}: {reason}",
            kind="tls",
            transient=not _is_cert_failure(exc),
            url=target.url,
        )
    if isinstance(reason, OSError) and reason.errno == errno.ECONNREFUSED:
        message = f"connection refused by {target.host_header}"
    elif isinstance(exc, ProtocolError):
        message = f"connection to {target.host_header} broke: {reason}"
    else:
        message = f"could not connect to {target.host_header}: {reason}"
    return FetchError(message, kind="connection", transient=True, url=target.url)

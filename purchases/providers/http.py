"""The transport both providers share: one Session factory, timeouts, read retries, the shared rate
limit, one CallRecord and one log line per HTTP attempt, and redaction of everything that leaves it.

Reads are retried with exponential backoff on timeouts, connection errors, 5xx and errors the provider
marks retryable (-7/-9, request_limit_exceeded). Writes (buys) are never retried: a buy whose answer is
lost raises `Timeout` with `outcome_unknown` set, and the caller looks it up by custom_id.
"""

from __future__ import annotations

import itertools
import logging
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import IO, Any, TypeVar

import ijson
import requests
import urllib3
from requests.adapters import HTTPAdapter
from urllib3.exceptions import NewConnectionError

from .base import InvalidResponse, ProviderError, RateLimited, Timeout, Unavailable
from .ratelimit import RateLimiter
from .redaction import EXCERPT_CHARS, Redactor, install_urllib3_filter
from .wire import CallRecord, HttpCall, body_head, build_record, encode

__all__ = ["CallRecord", "HttpCall", "Transport", "encode", "make_session"]

logger = logging.getLogger("purchases.providers")
T = TypeVar("T")

USER_AGENT = "skins-backoffice/1.0"
LOOK_IT_UP = "look it up by custom_id"
#: what a parser raises on a shape it did not expect (never a ProviderError subclass)
PARSE_ERRORS = (KeyError, TypeError, ValueError, AttributeError, ArithmeticError, IndexError)


def make_session(pool_maxsize: int = 10) -> requests.Session:
    """A Session without urllib3 retries (the transport decides what may be repeated)."""
    install_urllib3_filter()
    session = requests.Session()
    adapter = HTTPAdapter(max_retries=0, pool_maxsize=pool_maxsize)
    session.mount("http://", adapter)
    session.mount("https://", adapter)
    session.headers["User-Agent"] = USER_AGENT
    return session


class Transport:
    def __init__(
        self,
        provider: str,
        *,
        session: requests.Session | None = None,
        connect_timeout: float = 5.0,
        read_timeout: float = 30.0,
        read_retries: int = 3,
        backoff_base: float = 0.5,
        backoff_max: float = 30.0,
        limiter: RateLimiter | None = None,
        recorder: Callable[[CallRecord], Any] | None = None,
        secrets: tuple[str | None, ...] = (),
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.provider = provider
        self.session = session or make_session()
        self.timeout = (connect_timeout, read_timeout)
        self.read_retries = read_retries
        self.backoff_base = backoff_base
        self.backoff_max = backoff_max
        self.limiter = limiter
        self.recorder = recorder
        self.redactor = Redactor(secrets)
        self.sleep = sleep
        self.clock = clock

    # ------------------------------------------------------------------------------------- public

    def request(self, call: HttpCall, decode: Callable[[requests.Response], T]) -> T:
        """Send `call`, turn the response into a result with `decode` (which raises typed errors)."""
        for attempt in itertools.count():
            try:
                return self._once(call, decode)
            except ProviderError as err:
                if not self._should_retry(call, err, attempt):
                    raise
                self._pause(err, attempt)
        raise AssertionError("unreachable")  # pragma: no cover

    def stream(self, call: HttpCall, consume: Callable[[IO[bytes]], Iterator[T]]) -> Iterator[T]:
        """Yield what `consume` parses from the raw body as it arrives. Retried only before the first
        item, because a consumer cannot be rewound."""
        for attempt in itertools.count():
            yielded = 0
            try:
                for item in self._stream_once(call, consume):
                    yielded += 1
                    yield item
                return
            except ProviderError as err:
                if yielded or not self._should_retry(call, err, attempt):
                    raise
                self._pause(err, attempt)

    def scrub(self, text: str, call: HttpCall | None = None) -> str:
        return self.redactor.scrub(text, call.secrets if call else ())

    # ------------------------------------------------------------------------------------- attempts

    def _once(self, call: HttpCall, decode: Callable[[requests.Response], T]) -> T:
        self._acquire()
        clock = _Attempt(self.clock())
        try:
            clock.response = self._send(call, stream=False)
            self._check_http(call, clock.response)
            return decode(clock.response)
        except PARSE_ERRORS as exc:  # a shape we did not foresee: report it, never crash the caller
            clock.error = self._finalise_error(call, _unexpected(exc, self))
            raise clock.error from None
        except ProviderError as err:
            clock.error = self._finalise_error(call, err)
            raise clock.error from None
        finally:
            self._finish(call, clock, body_head(clock.response))

    def _stream_once(self, call: HttpCall, consume: Callable[[IO[bytes]], Iterator[T]]) -> Iterator[T]:
        self._acquire()
        clock = _Attempt(self.clock())
        tee: _HeadTee | None = None
        try:
            clock.response = self._send(call, stream=True)
            self._check_http(call, clock.response)
            clock.response.raw.decode_content = True  # gzip is undone before the parser sees bytes
            tee = _HeadTee(clock.response.raw)
            yield from consume(tee)
        except PARSE_ERRORS as exc:
            clock.error = self._finalise_error(call, _unexpected(exc, self))
            raise clock.error from None
        except ProviderError as err:
            clock.error = self._finalise_error(call, err)
            raise clock.error from None
        except ijson.JSONError as exc:  # cut-off or garbled JSON
            clock.error = self._finalise_error(call, _unexpected(exc, self))
            raise clock.error from None
        except (requests.RequestException, OSError, urllib3.exceptions.HTTPError) as exc:  # body broke off
            kind = Timeout if isinstance(exc, urllib3.exceptions.ReadTimeoutError) else InvalidResponse
            clock.error = self._finalise_error(call, kind(f"body interrupted ({type(exc).__name__})"))
            clock.error.provider = self.provider
            raise clock.error from None
        finally:
            if clock.response is not None:
                clock.response.close()
            self._finish(call, clock, tee.head.decode("utf-8", "replace") if tee else "")

    def _send(self, call: HttpCall, *, stream: bool) -> requests.Response:
        try:
            return self.session.request(
                call.http_method,
                call.url,
                params=call.params,
                json=call.json,
                data=call.data,
                headers=call.headers,
                timeout=self.timeout,
                stream=stream,
            )
        except requests.RequestException as exc:
            if isinstance(exc, requests.ConnectTimeout) or _not_connected(exc):
                # nothing reached the provider: safe to say so even for a buy
                err = _error(Unavailable, f"could not connect ({type(exc).__name__})", self, retry=True)
                err.not_sent = True
                raise err from None
            if call.write:
                # the request may have reached the provider (a timeout, a dropped connection, a body cut
                # short, an undecodable body): only a lookup by custom_id can tell what happened
                msg = f"no usable answer after sending ({_what(exc, self)}): outcome unknown, " + LOOK_IT_UP
                raise _error(Timeout, msg, self) from None
            if isinstance(exc, requests.Timeout):
                raise _error(Timeout, f"no answer within {self.timeout[1]:g}s", self, retry=True) from None
            raise _error(Unavailable, f"no usable answer ({type(exc).__name__})", self, retry=True) from None

    def _check_http(self, call: HttpCall, response: requests.Response) -> None:
        if response.status_code >= 500:
            err = _error(Unavailable, f"HTTP {response.status_code} from the provider", self, retry=True)
            err.outcome_unknown = call.write  # the provider got the buy and failed somewhere: unknown
            raise err

    def _finalise_error(self, call: HttpCall, err: ProviderError) -> ProviderError:
        """Scrub the text and, for a buy, mark answers that do not prove nothing happened."""
        err.message = self.scrub(err.message, call)
        if isinstance(err.code, str):  # Skinify's codes are its messages: they may quote anything
            err.code = self.scrub(err.code, call)
        err.args = (str(err),)
        if call.write and isinstance(err, InvalidResponse | Timeout):
            err.outcome_unknown = True
        return err

    # ------------------------------------------------------------------------------------- retries

    def _should_retry(self, call: HttpCall, err: ProviderError, attempt: int) -> bool:
        if call.write or attempt >= self.read_retries:
            return False
        return isinstance(err, RateLimited) or err.retryable

    def _pause(self, err: ProviderError, attempt: int) -> None:
        if isinstance(err, RateLimited):
            # the rest of the window, shared with every process through the limiter when there is one
            if self.limiter is not None:
                self.limiter.block()
                return
            now = self.clock()
            self.sleep(60.0 - (now % 60.0))
            return
        self.sleep(min(self.backoff_max, self.backoff_base * 2**attempt))

    def _acquire(self) -> None:
        if self.limiter is not None:
            self.limiter.acquire()

    # ------------------------------------------------------------------------------------- records

    def _finish(self, call: HttpCall, attempt: _Attempt, response_text: str) -> None:
        finished = self.clock()
        record = build_record(
            self.provider,
            call,
            attempt.started,
            finished,
            attempt.response,
            attempt.error,
            response_text,
            self.redactor,
        )
        status = record.http_status
        logger.info(
            "%s %s %dms %s%s",
            record.provider,
            record.method,
            record.duration_ms,
            record.outcome,
            f" [{record.error_code or status}] {record.error_message}" if attempt.error else "",
        )
        if self.recorder is not None:
            try:
                self.recorder(record)
            except Exception:  # a broken recorder must never break a purchase
                logger.warning(
                    "call recorder failed for %s %s", record.provider, record.method, exc_info=True
                )


@dataclass
class _Attempt:
    started: float
    response: requests.Response | None = None
    error: ProviderError | None = None


class _HeadTee:
    """A file-like wrapper that remembers the first bytes read, for the response excerpt."""

    def __init__(self, raw: Any, keep: int = EXCERPT_CHARS + 256) -> None:
        self.raw = raw
        self.keep = keep
        self.head = b""

    def read(self, size: int = -1) -> bytes:
        chunk = self.raw.read(size)
        if len(self.head) < self.keep:
            self.head += chunk[: self.keep - len(self.head)]
        return chunk


def _error(
    cls: type[ProviderError], message: str, transport: Transport, *, retry: bool = False
) -> ProviderError:
    err = cls(message, provider=transport.provider)
    err.retryable = retry
    return err


def _unexpected(exc: Exception, transport: Transport) -> InvalidResponse:
    # the exception's own text may quote the body, so only its type is kept
    return InvalidResponse(f"unexpected answer ({type(exc).__name__})", provider=transport.provider)


def _what(exc: requests.RequestException, transport: Transport) -> str:
    if isinstance(exc, requests.Timeout):
        return f"no answer within {transport.timeout[1]:g}s"
    return type(exc).__name__


def _not_connected(exc: requests.RequestException) -> bool:
    reason = getattr(exc.args[0] if exc.args else None, "reason", None)
    return isinstance(reason, NewConnectionError)

"""The OpenFeature provider: Premiere's in-process client behind OpenFeature's API.

    from openfeature import api
    from premiere.sdk import Config
    from premiere.sdk.openfeature import PremiereProvider

    api.set_provider_and_wait(PremiereProvider(Config(sdk_key="prm_...", base_url=URL)))
    client = api.get_client()
    client.get_boolean_value("new-checkout", False, EvaluationContext("user-1", {"plan": "pro"}))

Needs ``openfeature-sdk`` (``pip install premiere[openfeature]``); the rest of the SDK does
not. Evaluation is local, as with :class:`~premiere.sdk.Client`: it never waits for the
network and never raises. See docs/openfeature.md for the mappings.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, date, datetime
from types import MappingProxyType
from typing import Any, Final, TypeVar

from openfeature.evaluation_context import EvaluationContext
from openfeature.event import ProviderEventDetails
from openfeature.exception import ErrorCode, ProviderFatalError, ProviderNotReadyError
from openfeature.flag_evaluation import FlagResolutionDetails, FlagValueType, Reason
from openfeature.hook import Hook
from openfeature.provider import AbstractProvider, Metadata
from openfeature.track import TrackingEventDetails

from premiere.engine import (
    TARGETING_KEY_MISSING,
    EvaluationResult,
    flag_metadata,
    openfeature_error_code,
    openfeature_reason,
)
from premiere.sdk.client import Client
from premiere.sdk.config import Config
from premiere.sdk.evaluation import (
    BOOL,
    CLIENT_NOT_READY,
    FLOAT,
    GENERAL,
    INT,
    STR,
    as_bool,
    as_float,
    as_int,
    as_str,
    error_result,
)
from premiere.sdk.status import DataSourceState, Status

__all__ = ["PremiereProvider"]

T = TypeVar("T")
ObjectValue = Sequence[FlagValueType] | Mapping[str, FlagValueType]

_REASONS: Final = {r.value: r for r in Reason}
# Our error codes in words, for OpenFeature's error_message (the codes are mapped by
# premiere.engine.openfeature_error_code; the SDK's CLIENT_NOT_READY is PROVIDER_NOT_READY).
_MESSAGES: Final = {
    "FLAG_NOT_FOUND": "no flag with this key in the document",
    "MALFORMED_FLAG": "the flag breaks a rule of the flag document format",
    "TYPE_MISMATCH": "the flag served a value of another type",
    "INVALID_CONTEXT": "the evaluation context is not usable",
    "PREREQUISITE_CYCLE": "the flag's prerequisites form a cycle",
    "PREREQUISITE_TOO_DEEP": "the flag's prerequisite chain is longer than 64 flags",
    "CLIENT_NOT_READY": "no flag document has been loaded yet",
    "TARGETING_KEY_MISSING": "the flag targets by key: the context needs a targeting key",
    "GENERAL": "the evaluation failed",
}
_SCALARS: Final = frozenset({str, int, float, bool, type(None)})
_OBJECT: Final = frozenset({dict, list})
_READY, _STALE, _ERROR, _FATAL = "READY", "STALE", "ERROR", "FATAL"
_CACHE_LIMIT = 8192
_METADATA: Final = Metadata(name="Premiere")
_NO_HOOKS: Final[list[Hook]] = []  # OpenFeature only reads it

# A result serving a variation, with its OpenFeature reason, variant and flag metadata,
# and the flag's key.
_Extra = tuple[EvaluationResult, Reason, str, Mapping[str, bool | int | float | str], str]


class PremiereProvider(AbstractProvider):
    """An OpenFeature provider evaluating with a local :class:`~premiere.sdk.Client`.

    Give a :class:`Config` (the provider builds its client in ``initialize`` and closes it
    in ``shutdown``) or an existing ``client`` (used as it is, and left open).
    """

    def __init__(self, config: Config | None = None, *, client: Client | None = None) -> None:
        if (config is None) == (client is None):
            raise ValueError("give either a Config or a client")
        self._config = config
        self._client: Client | None = client
        self._owns_client = client is None
        self._lock = threading.Lock()
        self._unsubscribe: list[Callable[[], None]] = []
        self._state: str | None = None  # what the last event said; None before initialize
        # Results that serve a variation are built once per document by the engine and
        # shared, so their metadata is built once too (keyed by id, the result kept alive).
        self._extras: dict[int, _Extra] = {}

    @property
    def client(self) -> Client | None:
        """The Premiere client (None before ``initialize`` when built from a Config)."""
        return self._client

    def get_metadata(self) -> Metadata:
        return _METADATA  # asked for on every evaluation

    def get_provider_hooks(self) -> list[Hook]:
        return _NO_HOOKS

    # -- life cycle -----------------------------------------------------------------------

    def initialize(self, evaluation_context: EvaluationContext) -> None:
        """Build the client (waiting up to ``start_wait`` for the flags) and subscribe to
        its changes. Raises ProviderFatalError when the server refused the SDK key (401,
        403: OpenFeature's status becomes FATAL; the client makes no more requests), and
        ProviderNotReadyError when no document could be loaded yet: the provider reports
        READY later, when one arrives."""
        client = self._client
        if client is None:
            assert self._config is not None
            client = Client(self._config)
            self._client = client
        elif not client.is_ready():
            client.wait_until_ready(client.config.start_wait)
        with self._lock:
            for unsubscribe in self._unsubscribe:
                unsubscribe()
            self._unsubscribe = [
                client.on_change(self._flags_changed),
                client.on_status_change(self._status_changed),
            ]
            ready = client.is_ready()
        # OpenFeature sends READY (or ERROR, when this raises) as soon as this returns;
        # until then the listeners stay silent, so that no event of theirs comes first.
        status = client.status()
        if status.state is DataSourceState.REFUSED:  # a wrong key: OpenFeature says FATAL
            self._state = _FATAL
            raise ProviderFatalError(status.last_error)
        self._state = _READY if ready else _ERROR
        if not ready:
            raise ProviderNotReadyError(status.last_error or _MESSAGES[CLIENT_NOT_READY])

    def shutdown(self) -> None:
        """Unsubscribe; close the client when the provider built it."""
        with self._lock:
            for unsubscribe in self._unsubscribe:
                unsubscribe()
            self._unsubscribe = []
            self._state = None
            client = self._client
            if self._owns_client:
                self._client = None
            self._extras = {}
        if self._owns_client and client is not None:
            client.close()

    def _flags_changed(self, keys: frozenset[str]) -> None:
        with self._lock:
            if self._state is None:
                return
            client = self._client
            version = client.status().document_version if client is not None else None
            metadata: dict[str, bool | str | int | float] = {}
            if version is not None:
                metadata["document_version"] = version
            self.emit_provider_configuration_changed(
                ProviderEventDetails(flags_changed=sorted(keys), metadata=metadata)
            )

    def _status_changed(self, status: Status) -> None:
        # Decide on the client's current status (not the one passed in): two threads may
        # change it at once, and the last word must win. Events are sent in lock order.
        with self._lock:
            client = self._client
            if self._state is None or client is None:
                return
            status = client.status()
            state = _provider_state(status)
            if state is None or state == self._state:
                return
            self._state = state
            message = status.last_error
            if state == _READY:
                self.emit_provider_ready(ProviderEventDetails(message=message))
            elif state == _STALE:
                self.emit_provider_stale(ProviderEventDetails(message=message))
            else:
                code = ErrorCode.PROVIDER_FATAL if state == _FATAL else ErrorCode.PROVIDER_NOT_READY
                self.emit_provider_error(ProviderEventDetails(message=message, error_code=code))

    # -- evaluation -----------------------------------------------------------------------

    def resolve_boolean_details(
        self,
        flag_key: str,
        default_value: bool,
        evaluation_context: EvaluationContext | None = None,
    ) -> FlagResolutionDetails[bool]:
        return self._resolve(flag_key, default_value, evaluation_context, BOOL, _as_bool)

    def resolve_string_details(
        self,
        flag_key: str,
        default_value: str,
        evaluation_context: EvaluationContext | None = None,
    ) -> FlagResolutionDetails[str]:
        return self._resolve(flag_key, default_value, evaluation_context, STR, _as_str)

    def resolve_integer_details(
        self,
        flag_key: str,
        default_value: int,
        evaluation_context: EvaluationContext | None = None,
    ) -> FlagResolutionDetails[int]:
        return self._resolve(flag_key, default_value, evaluation_context, INT, _as_int)

    def resolve_float_details(
        self,
        flag_key: str,
        default_value: float,
        evaluation_context: EvaluationContext | None = None,
    ) -> FlagResolutionDetails[float]:
        details = self._resolve(flag_key, default_value, evaluation_context, FLOAT, _as_float)
        if type(details.value) is int:  # a number flag's integral value, e.g. 10
            details.value = float(details.value)
        return details

    def resolve_object_details(
        self,
        flag_key: str,
        default_value: ObjectValue,
        evaluation_context: EvaluationContext | None = None,
    ) -> FlagResolutionDetails[ObjectValue]:
        """A JSON object or array; the value is shared with later evaluations: do not
        mutate it."""
        return self._resolve(flag_key, default_value, evaluation_context, _OBJECT, _as_json_object)

    def _resolve(
        self,
        key: str,
        default: T,
        evaluation_context: EvaluationContext | None,
        types: frozenset[type],
        convert: Callable[[Any], Any],
    ) -> FlagResolutionDetails[T]:
        client = self._client
        if client is None:
            return _error_details(error_result(default, CLIENT_NOT_READY))
        try:
            context = to_context(evaluation_context)
            snapshot = client._holder.current
            if snapshot is not None and key in snapshot.needs_key and "key" not in context:
                # As OFREP: a flag whose answer depends on the targeting key is not
                # answered without one, rather than bucketing everybody alike.
                return _error_details(error_result(default, TARGETING_KEY_MISSING))
            # The client's typed evaluation (counted for the events endpoint), keeping the
            # engine's result whole: its `static` tells STATIC from DEFAULT.
            r = client._fast(key, context, default, types) or client._evaluate(
                key, context, default, convert
            )
        except Exception:
            r = error_result(default, GENERAL)
        if r.variation is None:
            if r.error_code is not None:
                return _error_details(r)
            reason = _REASONS[openfeature_reason(r)]
            metadata = flag_metadata(r, _version(client, key))
            return FlagResolutionDetails(r.value, reason=reason, flag_metadata=metadata)
        extra = self._extras.get(id(r))
        if extra is None or extra[0] is not r or extra[4] != key:
            extra = self._remember(client, key, r)
        value = default if r.value is None else r.value  # JSON null: the default stands
        return FlagResolutionDetails(value, None, None, extra[1], extra[2], extra[3])

    def _remember(self, client: Client, key: str, r: EvaluationResult) -> _Extra:
        """The OpenFeature reason, variant and metadata of a result serving a variation."""
        variant = str(r.variation)
        snapshot = client._holder.current
        name = None
        if snapshot is not None and r.variation is not None:
            name = snapshot.variation_name(key, r.variation)
        if name:
            variant = name
        metadata = MappingProxyType(flag_metadata(r, _version(client, key)))
        extra = (r, _REASONS[openfeature_reason(r)], variant, metadata, key)
        extras = self._extras
        if len(extras) >= _CACHE_LIMIT:  # old documents' results: start again
            extras = self._extras = {}
        extras[id(r)] = extra
        return extra

    # -- tracking -------------------------------------------------------------------------

    def track(
        self,
        tracking_event_name: str,
        evaluation_context: EvaluationContext | None = None,
        tracking_event_details: TrackingEventDetails | None = None,
    ) -> None:
        """Count a custom event with the client's ``track`` (its value, when given, summed)."""
        client = self._client
        if client is None:
            return
        value = tracking_event_details.value if tracking_event_details is not None else None
        try:
            client.track(tracking_event_name, to_context(evaluation_context), value)
        except Exception:
            client.config.log.exception("premiere: tracking %r failed", tracking_event_name)


def to_context(evaluation_context: EvaluationContext | None) -> dict[str, Any]:
    """OpenFeature's evaluation context as Premiere's: the attributes as given, with the
    targeting key as ``key`` (it wins over an attribute of that name). Dates become
    milliseconds since the Unix epoch (naive ones taken as UTC), which the ``before`` and
    ``after`` operators compare; other sequences become lists."""
    if evaluation_context is None:
        return {}
    attributes = evaluation_context.attributes
    context = dict(attributes) if attributes else {}
    for name, value in context.items():
        if type(value) not in _SCALARS:
            context[name] = _plain(value)
    key = evaluation_context.targeting_key
    if key is not None:
        context["key"] = key
    return context


def _plain(value: Any) -> Any:
    if type(value) in _SCALARS:
        return value
    if isinstance(value, datetime):
        moment = value if value.tzinfo is not None else value.replace(tzinfo=UTC)
        return int(moment.timestamp() * 1000)
    if isinstance(value, date):
        return int(datetime(value.year, value.month, value.day, tzinfo=UTC).timestamp() * 1000)
    if isinstance(value, Mapping):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, Sequence) and not isinstance(value, (str, bytes)):
        return [_plain(v) for v in value]
    return value


def _provider_state(status: Status) -> str | None:
    """READY, STALE, ERROR or FATAL (the SDK key refused) as OpenFeature sees the client;
    None: nothing to say yet."""
    if status.state is DataSourceState.REFUSED:
        return _FATAL
    if not status.ready:
        return _ERROR if status.last_error is not None else None
    return _STALE if status.state is DataSourceState.STALE else _READY


def _as_object(value: Any) -> Any:
    if type(value) is dict or type(value) is list:
        return value
    raise TypeError


def _null_or(convert: Callable[[Any], Any]) -> Callable[[Any], Any]:
    """``convert``, letting a served JSON null through: the provider answers it with the
    caller's default, its variant and reason (no error), as OFREP does."""

    def converted(value: Any) -> Any:
        return None if value is None else convert(value)

    return converted


_as_bool, _as_str, _as_int = _null_or(as_bool), _null_or(as_str), _null_or(as_int)
_as_float, _as_json_object = _null_or(as_float), _null_or(_as_object)


def _version(client: Client, key: str) -> int | None:
    snapshot = client._holder.current
    return None if snapshot is None else snapshot.versions.get(key)


def _error_details(r: EvaluationResult) -> FlagResolutionDetails[Any]:
    code = r.error_code or GENERAL
    of_code = "PROVIDER_NOT_READY" if code == CLIENT_NOT_READY else openfeature_error_code(r)
    return FlagResolutionDetails(
        r.value,
        error_code=ErrorCode(of_code or "GENERAL"),
        error_message=f"{code}: {_MESSAGES.get(code, _MESSAGES[GENERAL])}",
        reason=Reason.ERROR,
        flag_metadata=flag_metadata(r),
    )

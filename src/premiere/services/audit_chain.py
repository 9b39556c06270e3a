"""The audit log's hash chain: every event carries the hash of the one before it.

Each project has its own chain, and events of no project (tokens of the whole server)
have theirs (``""`` in storage, ``null`` in views). An event's hash is the SHA-256 of a
canonical JSON encoding of every stored field of the event plus the previous event's
hash (``GENESIS`` for the first); the exact recipe is in ``docs/operations.md``.
Changing, deleting, reordering or inserting events breaks a link that
:func:`verify_audit_chains` names; rewriting a whole chain is caught by comparing it
with a head exported earlier (:func:`list_audit_chain_heads`).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from contextlib import closing
from dataclasses import dataclass
from typing import TypedDict, cast

from sqlalchemy import Table, bindparam, func, insert, select, update
from sqlalchemy.orm import Session

from premiere.errors import ValidationError
from premiere.services.mappers import format_time
from premiere.store import Store, lock_for_update
from premiere.store.audit_hash import GENESIS, HASHED_FIELDS, audit_record_hash
from premiere.store.models import AuditChainHead, AuditEvent

MAX_ANCHORS = 100

# Built once: audit writes are on the path of every change. The id is taken under the
# chain's lock, so a chain's ids grow; selecting from audit_events first flushes the
# events added before in the same session.
HEADS = cast(Table, AuditChainHead.__table__)  # written with Core: no ORM state to keep
_HEAD_HASH = select(HEADS.c.hash).where(HEADS.c.chain == bindparam("head_chain"))
_NEXT_ID_AND_HEAD = {
    False: select(  # SQLite: writers are serialised already, max(id) + 1 is free
        func.coalesce(select(func.max(AuditEvent.id)).scalar_subquery(), 0) + 1,
        _HEAD_HASH.scalar_subquery(),
    ),
    True: select(  # PostgreSQL
        func.nextval(func.pg_get_serial_sequence("audit_events", "id")),
        _HEAD_HASH.scalar_subquery(),
    ),
}
_INSERT_HEAD = insert(HEADS)
_MOVE_HEAD = (
    update(HEADS).where(HEADS.c.chain == bindparam("head_chain")).values(events=HEADS.c.events + 1)
)


class AuditChainHeadView(TypedDict):
    project: str | None
    event_id: int
    hash: str
    at: str
    events: int


class AuditChainHeads(TypedDict):
    items: list[AuditChainHeadView]


class AuditBreak(TypedDict):
    event_id: int | None
    problem: str


class AuditChainReport(TypedDict):
    project: str | None
    ok: bool
    events: int
    head: AuditChainHeadView | None
    broken: AuditBreak | None


class AuditExpectedHead(TypedDict):
    event_id: int
    hash: str
    project: str | None
    ok: bool
    problem: str | None


class AuditVerification(TypedDict):
    ok: bool
    chains: list[AuditChainReport]
    expected: list[AuditExpectedHead]


def link_audit_event(session: Session, event: AuditEvent) -> None:
    """Give ``event`` its id, previous hash and hash, and move its chain's head to it.

    Call it inside the transaction that adds the event: the chain is locked until the
    transaction ends, so concurrent writers (threads, replicas) append one after another.
    """
    chain = event.project or ""
    lock_for_update(session, f"premiere:audit_chain:{chain}")
    next_id_and_head = _NEXT_ID_AND_HEAD[session.get_bind().dialect.name == "postgresql"]
    next_id, prev_hash = session.execute(next_id_and_head, {"head_chain": chain}).one()
    event.id = int(next_id)
    event.prev_hash = prev_hash or GENESIS
    event.hash = audit_event_hash(event)
    moved = {"event_id": event.id, "hash": event.hash, "at": event.at}
    if prev_hash is None:
        session.execute(_INSERT_HEAD, {"chain": chain, "events": 1, **moved})
    else:
        session.execute(_MOVE_HEAD, {"head_chain": chain, **moved})


def audit_event_hash(event: AuditEvent) -> str:
    """SHA-256 (hex) of the canonical encoding of ``event``'s fields and previous hash."""
    return audit_record_hash({name: getattr(event, name) for name in HASHED_FIELDS})


def list_audit_chain_heads(store: Store, *, project: str | None = None) -> AuditChainHeads:
    """The head of every chain (or of ``project``'s): keep it to verify the log later."""
    statement = select(AuditChainHead).order_by(AuditChainHead.chain)
    if project is not None:
        statement = statement.where(AuditChainHead.chain == project)
    with store.read() as session:
        return {"items": [_head_view(head) for head in session.scalars(statement)]}


def verify_audit_chains(
    store: Store, *, project: str | None = None, expect: Sequence[str] = ()
) -> AuditVerification:
    """Walk every chain (or ``project``'s) and report its first broken link, if any.

    ``expect`` holds ``<event id>:<hash>`` pairs from an exported head: each event must
    still be there with that hash, which catches a chain rewritten from end to end.
    """
    anchors = _parse_anchors(expect)
    with store.read() as session:
        heads = {head.chain: head for head in session.scalars(select(AuditChainHead))}
        chains = set(heads) | set(session.scalars(select(func.coalesce(AuditEvent.project, ""))))
        if project is not None:
            chains = {project} if project in chains else set()
        reports = [_verify_chain(session, chain, heads.get(chain)) for chain in sorted(chains)]
        checked = [_verify_anchor(session, anchor, project) for anchor in anchors]
    ok = all(report["ok"] for report in reports) and all(anchor["ok"] for anchor in checked)
    return {"ok": ok, "chains": reports, "expected": checked}


@dataclass
class _Walk:
    """The state of one chain's walk, oldest event first."""

    previous: AuditEvent | None = None
    events: int = 0
    problem: str | None = None
    broken_at: int | None = None

    def step(self, event: AuditEvent) -> None:
        expected_prev = (self.previous.hash or "") if self.previous is not None else GENESIS
        problem = None
        if event.hash is None or event.prev_hash is None:
            problem = "it has no hash: it was added outside Premiere"
        elif event.prev_hash != expected_prev:
            before = f"event {self.previous.id}" if self.previous else "the start of the chain"
            problem = (
                f"its previous hash {event.prev_hash[:12]}... does not match {before} "
                f"({expected_prev[:12]}...): events were removed, inserted or reordered"
            )
        elif audit_event_hash(event) != event.hash:
            problem = "its fields no longer match its hash: the event was changed"
        self.events += 1
        self.previous = event
        if problem is not None:
            self.problem, self.broken_at = problem, event.id

    def verify_head(self, head: AuditChainHead | None) -> None:
        last = self.previous
        if head is None:
            self.problem = "the chain head is missing: it was deleted outside Premiere"
        elif last is None or (head.event_id, head.hash) != (last.id, last.hash):
            self.broken_at = head.event_id
            self.problem = (
                f"the chain head names event {head.event_id} but the last event is "
                f"{last.id if last else 'missing'}: events were removed from or added to the end"
            )
        elif head.events != self.events:
            self.problem = f"the chain head counts {head.events} events but {self.events} are here"


def _verify_chain(session: Session, chain: str, head: AuditChainHead | None) -> AuditChainReport:
    project = chain or None
    statement = (
        select(AuditEvent)
        .where(AuditEvent.project.is_(None) if project is None else AuditEvent.project == chain)
        .order_by(AuditEvent.id)
        .execution_options(yield_per=1000)
    )
    walk = _Walk()
    with closing(session.scalars(statement)) as events:
        for event in events:
            walk.step(event)
            if walk.problem is not None:
                break
    if walk.problem is None:
        walk.verify_head(head)
    broken: AuditBreak | None = None
    if walk.problem is not None:
        broken = {"event_id": walk.broken_at, "problem": walk.problem}
    return {
        "project": project,
        "ok": broken is None,
        "events": walk.events,
        "head": _head_view(head) if head is not None else None,
        "broken": broken,
    }


def _verify_anchor(
    session: Session, anchor: tuple[int, str], project: str | None
) -> AuditExpectedHead:
    event_id, digest = anchor
    event = session.get(AuditEvent, event_id)
    if event is not None and project is not None and event.project != project:
        event = None  # outside the chain asked about
    problem = None
    if event is None:
        problem = "the event is missing"
    elif event.hash != digest:
        problem = "the event's hash differs: the chain was rewritten since the export"
    return {
        "event_id": event_id,
        "hash": digest,
        "project": event.project if event is not None else None,
        "ok": problem is None,
        "problem": problem,
    }


def _parse_anchors(expect: Iterable[str]) -> list[tuple[int, str]]:
    anchors = []
    for value in expect:
        event_id, _, digest = str(value).partition(":")
        if not event_id.isdigit() or len(digest) != 64 or digest.strip("0123456789abcdef"):
            raise ValidationError.single(
                "expect", "audit_head", "must be <event id>:<64 lower-case hex digits of its hash>"
            )
        anchors.append((int(event_id), digest))
    if len(anchors) > MAX_ANCHORS:
        raise ValidationError.single("expect", "max_items", f"at most {MAX_ANCHORS} heads")
    return anchors


def _head_view(head: AuditChainHead) -> AuditChainHeadView:
    return {
        "project": head.chain or None,
        "event_id": head.event_id,
        "hash": head.hash,
        "at": format_time(head.at),
        "events": head.events,
    }

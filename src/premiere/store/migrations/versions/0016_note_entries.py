"""Release notes as entries: the ``note_entries`` table; a release's ``notes`` draft
(kept in its spec until now) becomes its first entry, and leaves the spec.

Revision ID: 0016
Revises: 0015
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

from premiere.store.types import UTCDateTime

revision = "0016"
down_revision: str | None = "0015"
branch_labels: str | None = None
depends_on: str | None = None

JSON = sa.JSON(none_as_null=True).with_variant(postgresql.JSONB(none_as_null=True), "postgresql")
KEY = sa.String(128)
# A migrated note's state from its release's: a note of a running release is
# "scheduled" until the release's next transition places it.
STATE_OF = {
    "draft": "draft",
    "scheduled": "scheduled",
    "ready": "scheduled",
    "rolling_out": "scheduled",
    "paused": "scheduled",
    "released": "published",
    "rolled_back": "rolled_back",
}


def upgrade() -> None:
    notes = op.create_table(
        "note_entries",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("project_id", sa.Integer(), nullable=False),
        sa.Column("release_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(200), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("category", sa.String(16), nullable=False),
        sa.Column("audience", KEY, nullable=True),
        sa.Column("features", JSON, nullable=True),
        sa.Column("links", JSON, nullable=False),
        sa.Column("image_url", sa.Text(), nullable=True),
        sa.Column("internal", sa.Text(), nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("manual", sa.String(16), nullable=True),
        sa.Column("published_at", UTCDateTime(), nullable=True),
        sa.Column("created_by", JSON, nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["project_id"],
            ["projects.id"],
            name=op.f("fk_note_entries_project_id_projects"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["release_id"],
            ["releases.id"],
            name=op.f("fk_note_entries_release_id_releases"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_note_entries")),
    )
    op.create_index("ix_note_entries_release_id", "note_entries", ["release_id"])
    op.create_index("ix_note_entries_project_id_state", "note_entries", ["project_id", "state"])
    _move_spec_notes(notes)


RELEASES = sa.table(
    "releases",
    sa.column("id", sa.Integer()),
    sa.column("project_id", sa.Integer()),
    sa.column("spec", JSON),
    sa.column("state", sa.String()),
    sa.column("created_by", JSON),
    sa.column("finished_at", UTCDateTime()),
)


def _move_spec_notes(notes: sa.Table) -> None:
    releases = RELEASES
    bind = op.get_bind()
    now = datetime.now(UTC)
    for row in bind.execute(sa.select(releases)).all():
        spec: dict[str, Any] = dict(row.spec or {})
        if "notes" not in spec:
            continue
        draft = spec.pop("notes")
        if isinstance(draft, dict) and draft.get("title"):
            state = STATE_OF.get(row.state, "draft")
            bind.execute(
                notes.insert().values(
                    project_id=row.project_id,
                    release_id=row.id,
                    position=0,
                    title=str(draft["title"])[:200],
                    body=str(draft.get("body") or ""),
                    category=str(draft.get("category") or "new"),
                    links=[],
                    internal="",
                    state=state,
                    published_at=(row.finished_at or now) if state == "published" else None,
                    created_by=row.created_by,
                    version=1,
                    created_at=now,
                    updated_at=now,
                )
            )
        bind.execute(releases.update().where(releases.c.id == row.id).values(spec=spec))


def downgrade() -> None:
    """Each release's first note back into its spec's ``notes``; the others are lost."""
    bind = op.get_bind()
    notes = sa.table(
        "note_entries",
        sa.column("release_id", sa.Integer()),
        sa.column("position", sa.Integer()),
        sa.column("id", sa.Integer()),
        sa.column("title", sa.String()),
        sa.column("body", sa.Text()),
        sa.column("category", sa.String()),
    )
    first: dict[int, dict[str, Any]] = {}
    ordered = sa.select(notes).order_by(notes.c.release_id, notes.c.position, notes.c.id)
    for note in bind.execute(ordered).all():
        first.setdefault(
            note.release_id,
            {"title": note.title, "body": note.body, "category": note.category},
        )
    for row in bind.execute(sa.select(RELEASES.c.id, RELEASES.c.spec)).all():
        draft = first.get(row.id)
        if draft is not None and draft["category"] not in ("new", "improved", "fixed"):
            draft["category"] = "new"
        spec = {**(row.spec or {}), "notes": draft}
        spec.pop("announce", None)
        bind.execute(RELEASES.update().where(RELEASES.c.id == row.id).values(spec=spec))
    op.drop_index("ix_note_entries_project_id_state", table_name="note_entries")
    op.drop_index("ix_note_entries_release_id", table_name="note_entries")
    op.drop_table("note_entries")

"""Claims on running a deployment's verification checks, held in the database.

The process that runs a deployment's checks first claims it: an atomic conditional
``UPDATE`` that succeeds only when nobody holds the claim, or its lease ran out. It
renews the lease while the checks run and lets go when they end. So replicas started
against one database, each looking for deployments left verifying, run each one's
checks once; and checks left in flight by a process that died are taken over once its
lease has run out.
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime, timedelta

from sqlalchemy import or_, select, update

from premiere.store import Store
from premiere.store.deployments import Deployment
from premiere.store.types import utc_now

LEASE_SECONDS = 30.0
"""How long a claim holds without renewal (the running process renews it every third)."""


def claim_verification(
    store: Store,
    deployment_id: int,
    owner: str,
    lease: float = LEASE_SECONDS,
    now: datetime | None = None,
) -> bool:
    """Claim the checks of a verifying deployment for ``owner``; False when another
    process holds them (or the deployment is no longer verifying)."""
    now = now or utc_now()
    with store.write() as session:
        claimed = session.execute(
            update(Deployment)
            .where(
                Deployment.id == deployment_id,
                Deployment.status == "verifying",
                or_(
                    Deployment.verification_claimed_until.is_(None),
                    Deployment.verification_claimed_until < now,
                    Deployment.verification_owner == owner,
                ),
            )
            .values(
                verification_owner=owner,
                verification_claimed_until=now + timedelta(seconds=lease),
            )
            .execution_options(synchronize_session=False)
        )
        return bool(getattr(claimed, "rowcount", 0) == 1)


def renew_claims(
    store: Store,
    owner: str,
    deployment_ids: Collection[int],
    lease: float = LEASE_SECONDS,
    now: datetime | None = None,
) -> None:
    """Extend ``owner``'s claims on these deployments by another lease."""
    if not deployment_ids:
        return
    until = (now or utc_now()) + timedelta(seconds=lease)
    with store.write() as session:
        session.execute(
            update(Deployment)
            .where(
                Deployment.id.in_(list(deployment_ids)),
                Deployment.verification_owner == owner,
            )
            .values(verification_claimed_until=until)
            .execution_options(synchronize_session=False)
        )


def release_claim(store: Store, deployment_id: int, owner: str) -> None:
    """Let go of ``owner``'s claim (the checks ended, or were never started)."""
    with store.write() as session:
        session.execute(
            update(Deployment)
            .where(Deployment.id == deployment_id, Deployment.verification_owner == owner)
            .values(verification_owner=None, verification_claimed_until=None)
            .execution_options(synchronize_session=False)
        )


def list_unclaimed_verifications(store: Store, now: datetime | None = None) -> list[int]:
    """Deployments verifying whose checks nobody runs (no claim, or its lease ran out)."""
    now = now or utc_now()
    with store.read() as session:
        return list(
            session.scalars(
                select(Deployment.id)
                .where(
                    Deployment.status == "verifying",
                    or_(
                        Deployment.verification_claimed_until.is_(None),
                        Deployment.verification_claimed_until < now,
                    ),
                )
                .order_by(Deployment.id)
            )
        )

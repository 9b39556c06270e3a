"""The services' TypedDicts and the API's response models name the same keys.

test_views.py compares real answers with the models; this compares the declared
shapes, so a key added to one side only fails here even when no answer holds it.
"""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import BaseModel

from premiere.api import models as shared_models
from premiere.api.deployments import models as deployment_models
from premiere.api.flags import models as flag_models
from premiere.api.insights import models as insight_models
from premiere.api.releases import views as release_views
from premiere.api.sdk import models as sdk_models
from premiere.services import audit_chain, mappers
from premiere.services.deployments import checks, darkcode, github, matrix, promotion
from premiere.services.deployments import views as deployment_views
from premiere.services.flags import scheduled_changes
from premiere.services.insights import timeline
from premiere.services.releases import approvals, readiness, rows, schedules, tick
from premiere.services.sdk import documents, events

# (API model, service TypedDict): same name unless written apart.
PAIRS: list[tuple[type[BaseModel], Any]] = [
    *(
        (getattr(shared_models, name), getattr(mappers, name))
        for name in (
            "ProjectView",
            "EnvironmentView",
            "ServiceView",
            "ActorView",
            "AuditEventView",
            "AuditPage",
            "TokenView",
            "TokenCreated",
        )
    ),
    *(
        (getattr(shared_models, name), getattr(audit_chain, name))
        for name in (
            "AuditChainHeadView",
            "AuditChainHeads",
            "AuditBreak",
            "AuditChainReport",
            "AuditExpectedHead",
            "AuditVerification",
        )
    ),
    (flag_models.FlagView, mappers.FlagView),
    (flag_models.FlagConfigView, mappers.FlagConfigView),
    (flag_models.SegmentView, mappers.SegmentView),
    (flag_models.EvaluationView, documents.EvaluationView),
    (sdk_models.FlagDocument, documents.FlagDocument),
    (sdk_models.EventsCounted, events.EventsCounted),
    (release_views.ReleaseView, rows.ReleaseView),
    (release_views.ReadinessView, readiness.ReadinessView),
    (release_views.MissingItem, readiness.MissingItem),
    (release_views.ApprovalView, approvals.ApprovalView),
    (release_views.GuardDecisionView, tick.GuardDecisionView),
    (release_views.TrainView, schedules.TrainView),
    (release_views.DeparturesView, schedules.DeparturesView),
    (release_views.FreezeWindowView, schedules.FreezeWindowView),
    (release_views.ScheduledChangeView, scheduled_changes.ScheduledChangeView),
    *(
        (getattr(deployment_models, name), getattr(deployment_views, name))
        for name in (
            "DeploymentView",
            "DeploymentPage",
            "VerificationView",
            "CheckResultView",
            "CommitView",
        )
    ),
    (deployment_models.CheckView, checks.CheckView),
    (deployment_models.PolicyView, promotion.PolicyView),
    (deployment_models.SecretView, github.SecretView),
    (deployment_models.WebhookResult, github.WebhookResult),
    (deployment_models.MatrixView, matrix.MatrixView),
    (deployment_models.FlagDeploymentsView, darkcode.FlagDeploymentsView),
    (deployment_models.DarkCodeView, darkcode.DarkCodeView),
    (insight_models.TimelineItem, timeline.TimelineItem),
    (insight_models.TimelinePage, timeline.TimelinePage),
]


def declared(typed: Any) -> tuple[set[str], set[str]]:
    """A TypedDict's (required, optional) keys, read from its annotations: under
    ``from __future__ import annotations`` Python 3.11 counts ``NotRequired`` keys as
    required."""
    optional = {
        key
        for key, annotation in typed.__annotations__.items()
        if "NotRequired[" in getattr(annotation, "__forward_arg__", str(annotation))
    }
    return set(typed.__annotations__) - optional, optional


def documented(model: type[BaseModel]) -> tuple[set[str], set[str]]:
    """A model's (required, optional) keys as served (by alias)."""
    fields = {info.alias or name: info for name, info in model.model_fields.items()}
    required = {key for key, info in fields.items() if info.is_required()}
    return required, set(fields) - required


@pytest.mark.parametrize(("model", "typed"), PAIRS, ids=[m.__name__ for m, _ in PAIRS])
def test_view_types__typeddict_and_model__name_the_same_keys(
    model: type[BaseModel], typed: Any
) -> None:
    assert declared(typed) == documented(model)


def test_view_types__wrong_pair__differs() -> None:
    assert declared(mappers.ProjectView) != documented(shared_models.EnvironmentView)

"""Database schema and data access. Never imports PySide6 or ui.

The model classes load on first use (``from models import Case``): every model module is then
imported at once, so the mappers always see each other. ``models.codes``, ``models.locations``
and ``models.migrate.SCHEMA_HEAD`` can be read without SQLAlchemy (quick commands do).
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from models.accountability import (
        AccountabilityAmendment,
        AccountabilityPerson,
        AccountabilityProblem,
        AccountabilityRecord,
        AccountabilityRule,
        AccountabilityRuleSet,
        ProblemWeight,
    )
    from models.attachments import Attachment, AttachmentBlob
    from models.audit import AuditArchive, AuditEntry, AuditHead
    from models.base import Base
    from models.campaigns import Campaign, CampaignEvent, CampaignStage
    from models.cases import Case, CaseChange, CaseCheck, CaseLookback
    from models.leads import CaseLink, Lead, Permit, PowerImport, PowerRecord
    from models.letters import Letter, LetterTemplate
    from models.returns import CountyReturn, IndustryAlias, ReturnColumnMapping, ReturnMergeItem
    from models.spot_checks import SpotCheck, SpotCheckFinding, SpotCheckMember, SpotCheckSite
    from models.units import Batch, Industry, Township, Unit
    from models.users import AppSetting, AuthToken, SavedView, User

__all__ = [
    "AccountabilityAmendment",
    "AccountabilityPerson",
    "AccountabilityProblem",
    "AccountabilityRecord",
    "AccountabilityRule",
    "AccountabilityRuleSet",
    "AppSetting",
    "Attachment",
    "AttachmentBlob",
    "AuditArchive",
    "AuditEntry",
    "AuditHead",
    "AuthToken",
    "Base",
    "Batch",
    "Campaign",
    "CampaignEvent",
    "CampaignStage",
    "Case",
    "CaseChange",
    "CaseCheck",
    "CaseLink",
    "CaseLookback",
    "CountyReturn",
    "Industry",
    "IndustryAlias",
    "Lead",
    "Letter",
    "LetterTemplate",
    "Permit",
    "PowerImport",
    "PowerRecord",
    "ProblemWeight",
    "ReturnColumnMapping",
    "ReturnMergeItem",
    "SavedView",
    "SpotCheck",
    "SpotCheckFinding",
    "SpotCheckMember",
    "SpotCheckSite",
    "Township",
    "Unit",
    "User",
]

#: the modules that define model classes, in the order they were always imported
MODEL_MODULES = (
    "accountability",
    "attachments",
    "audit",
    "base",
    "campaigns",
    "cases",
    "leads",
    "letters",
    "returns",
    "spot_checks",
    "units",
    "users",
)


def load_models() -> None:
    """Import every model module and publish its classes here (idempotent)."""
    for name in MODEL_MODULES:
        module = importlib.import_module(f"models.{name}")
        for attr in __all__:
            if attr not in globals() and hasattr(module, attr):
                globals()[attr] = getattr(module, attr)


def __getattr__(name: str):
    if name in __all__:
        load_models()
        return globals()[name]
    raise AttributeError(f"module 'models' has no attribute {name!r}")

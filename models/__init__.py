"""Database schema and data access. Never imports PySide6 or ui."""

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

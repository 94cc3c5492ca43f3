"""The email writing assistant as a module of the hub: drafts grounded in the CRM, written by an offline template
composer or a language model the organization chose, fact-checked, never sent on their own."""

from pathlib import Path

from core_features.writing.catalog import register
from core_features.writing.endpoints import WritingController
from core_features.writing.models import Draft, Profile, Usage
from core_features.writing.pages import WritingPages
from core_features.writing.settings import WritingSettings
from hub.module import Module, NavItem

__all__ = ["MODULE"]

HERE = Path(__file__).parent

MODULE = Module(
    name="writing",
    description="Email writing assistant: drafts to a contact, lead or deal from the CRM's facts, by templates or "
                "a model (OpenAI, Anthropic), with untrusted text fenced and every fact checked; token use and cost "
                "per organization under a monthly cap.",
    settings=WritingSettings,
    models=(Profile, Draft, Usage),
    migrations=HERE / "migrations",
    routes=(WritingController,),
    pages=(WritingPages,),
    nav=(NavItem("Writing", "/portal/writing"),),
    templates={"writing": HERE / "templates"},
    catalog=register,
)

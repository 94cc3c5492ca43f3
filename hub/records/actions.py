"""Actions beyond create, update and find: add a note to any record, create a task, add a product to a
deal, convert a lead. Each is a catalog action, so the API, Zapier and Make offer it alike."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated, Any

import msgspec
from msgspec import Meta

from hub.catalog import Action, ActionContext, Catalog
from hub.records import service
from hub.records.conversion import LeadConversion, LeadConverted, convert
from hub.records.definitions import ACTIVITIES, LINE_ITEMS
from hub.records.schemas import AwareDatetime, Id, Name, Text

__all__ = ["register"]

_LINK = "Give at least one of contact, company, lead or deal: the record it is about."
Link = Annotated[Id, Meta(description=_LINK)] | None
Owner = Annotated[Id, Meta(description="Who it belongs to; by default nobody.")] | None


class NoteIn(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    """A note on a record."""

    body: Annotated[Text, Meta(min_length=1, description="What the note says.")]
    subject: Annotated[str, Meta(max_length=300, description="A title for the note.")] | None = None
    contact_id: Link = None
    company_id: Link = None
    lead_id: Link = None
    deal_id: Link = None
    owner_id: Owner = None


class TaskIn(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    """A task on a record, due at a time."""

    subject: Annotated[str, Meta(min_length=1, max_length=300, description="What is to be done.")]
    due_at: Annotated[AwareDatetime, Meta(description="When it is due, with its time zone; `Task due` fires "
                                                      "then.")] | None = None
    body: Annotated[Text, Meta(description="Details.")] | None = None
    contact_id: Link = None
    company_id: Link = None
    lead_id: Link = None
    deal_id: Link = None
    owner_id: Owner = None


class DealProductIn(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    """A product on a deal, priced from the product unless a price is given."""

    deal_id: Annotated[Id, Meta(description="The deal to add the product to.")]
    product_id: Annotated[Id, Meta(description="The product to add.")]
    quantity: Annotated[Decimal, Meta(description="How many; 1 by default.")] = Decimal(1)
    unit_price: Annotated[Decimal, Meta(description="The price of one; the product's own by default.")] | None = None
    discount_percent: Annotated[Decimal, Meta(description="A discount from 0 to 100.")] = Decimal(0)
    name: Annotated[Name, Meta(description="The line's name; the product's by default.")] | None = None


class ConvertIn(LeadConversion, kw_only=True, forbid_unknown_fields=True):
    """Which lead to convert, and how."""

    lead_id: Annotated[Id, Meta(description="The lead to convert; a converted lead cannot be converted again.")]


def _activity(kind: str) -> Any:
    async def handler(ctx: ActionContext, data: Any) -> Any:
        values = {k: v for k, v in msgspec.structs.asdict(data).items()}
        return ACTIVITIES.to_read(await service.create(ctx, ACTIVITIES, ACTIVITIES.create(type=kind, **values)))

    return handler


async def _add_product(ctx: ActionContext, data: DealProductIn) -> Any:
    line = LINE_ITEMS.create(**msgspec.structs.asdict(data))
    return LINE_ITEMS.to_read(await service.create(ctx, LINE_ITEMS, line))


async def _convert(ctx: ActionContext, data: ConvertIn) -> Any:
    options = {k: v for k, v in msgspec.structs.asdict(data).items() if k != "lead_id"}
    return await convert(ctx, data.lead_id, LeadConversion(**options))


def register(catalog: Catalog) -> None:
    catalog.add_action(Action(
        key="note.add", label="Add note", kind="create", input=NoteIn, output=ACTIVITIES.read,
        description="Add a note to a contact, company, lead or deal.", handler=_activity("note")))
    catalog.add_action(Action(
        key="task.create", label="Create task", kind="create", input=TaskIn, output=ACTIVITIES.read,
        description="Create a task on a contact, company, lead or deal, due at a time.", handler=_activity("task")))
    catalog.add_action(Action(
        key="deal.add_product", label="Add product to deal", kind="create", input=DealProductIn,
        output=LINE_ITEMS.read, description="Add a product to a deal as a line item.", handler=_add_product))
    catalog.add_action(Action(
        key="lead.convert", label="Convert lead", kind="run", input=ConvertIn, output=LeadConverted,
        description="Convert a lead into a contact, and a company and a deal when asked.", handler=_convert))

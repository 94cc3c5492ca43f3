"""The CRM records: their REST API, their events (`contact.created`, `deal.won`…) and their actions."""

from hub.module import Module
from hub.records.catalog import register
from hub.records.conversion import convert_lead
from hub.records.definitions import RESOURCES
from hub.records.endpoints import controller_for
from hub.records.tasks import ANNOUNCE_JOB, announce_due, on_events
from hub.records.models import (Activity, Company, Contact, CustomField, Deal, Lead, LineItem, Pipeline,
                                Product)

__all__ = ["MODULE"]

MODULE = Module(
    name="records",
    description="Users, companies, contacts, leads, pipelines, deals, activities, products, line items and "
                "custom fields, with an event for every change.",
    models=(Company, Contact, Lead, Pipeline, Deal, Activity, Product, LineItem, CustomField),
    routes=(*(controller_for(r) for r in RESOURCES.values()), convert_lead),
    catalog=register,
    jobs={ANNOUNCE_JOB: announce_due},
    listeners=(on_events,),
)

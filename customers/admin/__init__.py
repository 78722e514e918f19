"""The back office of customers: each module registers its ModelAdmins; base.py and steps.py
hold the machinery every app's admin uses."""

from customers.admin import (
    access_log,
    accounts,
    agreements,
    consents,
    customers,
    disclosures,
    outbox,
    recipient_requests,
    restrictions,
    third_party,
)

__all__ = [
    "access_log",
    "accounts",
    "agreements",
    "consents",
    "customers",
    "disclosures",
    "outbox",
    "recipient_requests",
    "restrictions",
    "third_party",
]

"""Staff roles: what each kind of staff member may see and do (seed 004 §8: staff see only what
their role needs). README's "Staff roles" table says the same in words.

Each role is a Django group with exactly the permissions listed here. The data migration
customers/migrations/0003_staff_roles.py creates the groups (retention/migrations/
0004_role_permissions.py syncs again once the retention permissions exist); role_groups_sync()
brings them back to this table at any time (it is idempotent). A staff member is a user with
"staff status" who is a member of one of these groups; superusers have every permission.

Nobody may delete customers, orders or consents (erasure has its own service), nor add, change
or delete access-log entries (the log is append-only).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.apps import apps as global_apps
from django.db import DEFAULT_DB_ALIAS

if TYPE_CHECKING:
    from django.apps.registry import Apps
    from django.contrib.auth.models import Group
    from django.db.backends.base.schema import BaseDatabaseSchemaEditor


@dataclass(frozen=True)
class Role:
    code: str
    group_name: str
    description: str
    # "app_label.codename", as user.has_perm() names them.
    permissions: tuple[str, ...]


def _crud(model: str, *verbs: str, app: str = "customers") -> tuple[str, ...]:
    return tuple(f"{app}.{verb}_{model}" for verb in verbs)


CUSTOMER_CARE = "customer_care"
SALES = "sales"
LEGAL_COMPLIANCE = "legal_compliance"
ADMINISTRATOR = "administrator"
ACCOUNTING = "accounting"

_SEE_CUSTOMERS = (
    *_crud("customer", "view"),
    *_crud("deliveryaddress", "view"),
    *_crud("order", "view"),
    *_crud("consent", "view"),
    *_crud("purpose", "view"),
    *_crud("policyversion", "view"),
)
_FULL_VIEW = ("customers.view_full_personal_data",)
# Retention (retention/): rules, erasure requests, legal holds, purge runs, erasure receipts.
_APPROVE_ERASURE = ("retention.approve_erasurerequest",)
_READ_PURGES = (
    *_crud("purgerun", "view", app="retention"),
    *_crud("erasurereceipt", "view", app="retention"),
)
_EXPORT = ("customers.export_personal_data",)
# Complaints and requests (complaints/): customer care receives, routes and answers them;
# Legal & compliance also rejects them, extends deadlines and keeps the deadline table.
_HANDLE_COMPLAINTS = (
    *_crud("complaint", "view", "add", "change", app="complaints"),
    "complaints.route_complaint",
    "complaints.resolve_complaint",
    *_crud("deadlinerule", "view", app="complaints"),
    *_crud("publicholiday", "view", app="complaints"),
)
_HOLIDAYS = _crud("publicholiday", "add", "change", "delete", "view", app="complaints")
# Imports from spreadsheets (imports/): who enters customers, orders and consents by hand
# may bring them in from the shop's files, through the same services.
_IMPORT = (
    *_crud("importjob", "view", "add", app="imports"),
    "imports.import_customers",
    "imports.import_orders",
    "imports.import_consents",
)
# Breach incidents: Legal & compliance and administrators only.
_INCIDENTS = (
    *_crud("incident", "view", "add", "change", app="complaints"),
    "complaints.notify_incident",
    *_crud("incidentcustomer", "view", app="complaints"),
)

ROLES: dict[str, Role] = {
    role.code: role
    for role in (
        Role(
            code=CUSTOMER_CARE,
            group_name="CSKH — Chăm sóc khách hàng",
            description=(
                "Customer care: sees customers in full; records and corrects customers, their "
                "delivery addresses and orders; records and withdraws consents; hands delivery "
                "data to a shipper."
            ),
            permissions=(
                *_SEE_CUSTOMERS,
                *_FULL_VIEW,
                # Seed 003 takes customers by phone and in person: customer care enters them.
                *_crud("customer", "add", "change"),
                *_crud("deliveryaddress", "add", "change"),
                # Orders taken by phone or at the counter (seed 003) are entered by hand.
                *_crud("order", "add", "change"),
                *_crud("consent", "add", "change"),
                *_crud("disclosure", "add", "view"),
                *_crud("recipient", "view"),
                *_crud("recipientagreement", "view"),
                # Requests to act sent to recipients: customer care calls those without email
                # and records what they confirm (Decree 356/2025 Art. 5(2)–(4)).
                *_crud("recipientrequest", "change", "view"),
                # A customer's restriction or objection is placed as soon as it is received
                # (Law 91/2025/QH15 Art. 4(1)(d)); lifting it is Legal & compliance's.
                *_crud("restriction", "add", "view"),
                # Customer care receives erasure requests and verifies the requester's identity;
                # approving them is Legal & compliance's.
                *_crud("erasurerequest", "add", "change", "view", app="retention"),
                *_HANDLE_COMPLAINTS,
                *_IMPORT,
            ),
        ),
        Role(
            code=SALES,
            group_name="Kinh doanh",
            description=(
                "Sales: sees customers, addresses, orders and consents masked; exports "
                "customers (masked)."
            ),
            permissions=(*_SEE_CUSTOMERS, *_EXPORT, *_crud("restriction", "view")),
        ),
        Role(
            code=LEGAL_COMPLIANCE,
            group_name="Pháp chế & tuân thủ (DPO)",
            description=(
                "Legal & compliance (DPO): everything on customers' data — full view, export, "
                "corrections, consents, every disclosure including to state authorities, "
                "recipients, the access log, the controller profile, purposes and policies."
            ),
            permissions=(
                *_SEE_CUSTOMERS,
                *_FULL_VIEW,
                *_EXPORT,
                # Data-subject requests to correct their data (Law 91/2025/QH15 Art. 4(1)(c)).
                *_crud("customer", "add", "change"),
                *_crud("deliveryaddress", "add", "change"),
                # Orders taken by phone or at the counter (seed 003) are entered by hand.
                *_crud("order", "add", "change"),
                *_crud("consent", "add", "change"),
                *_crud("disclosure", "add", "view"),
                *_crud("restriction", "add", "change", "view"),
                # Seeds §4: police investigation agencies, procuracy, courts.
                "customers.record_authority_disclosure",
                # Law 91/2025/QH15 Art. 15(2)(a): which requests the customer's copy withholds.
                "customers.mark_disclosure_confidential",
                *_crud("recipient", "add", "change", "view"),
                # Decree 356/2025 Art. 7(1): the agreements hand-overs rest on.
                *_crud("recipientagreement", "add", "change", "view"),
                *_crud("recipientrequest", "change", "view"),
                *_crud("accesslog", "view"),
                *_crud("controller", "add", "change", "view"),
                *_crud("purpose", "add", "change"),
                *_crud("policyversion", "add", "change"),
                # Retention: the rules, erasure requests (approve or refuse them), legal holds
                # (only this role places and lifts them), and what the purges did.
                *_crud("retentionrule", "add", "change", "view", app="retention"),
                *_crud("erasurerequest", "add", "change", "view", app="retention"),
                *_APPROVE_ERASURE,
                *_crud("legalhold", "add", "change", "view", app="retention"),
                *_READ_PURGES,
                *_HANDLE_COMPLAINTS,
                "complaints.reject_complaint",
                "complaints.extend_complaint",
                *_crud("deadlinerule", "change", app="complaints"),
                *_HOLIDAYS,
                *_INCIDENTS,
                # The departments complaints are routed to (seed 004 §7, step 2).
                *_crud("department", "add", "change", "view", app="complaints"),
                # Whether the small-enterprise exemption applies (Decree 356/2025 Art. 41).
                *_crud("exemptionassessment", "view", app="dossiers"),
                # The systems the register names, and the register itself (Law 91/2025 Art. 21).
                *_crud("processingsystem", "add", "change", "view", app="dossiers"),
                # The filings of the dossiers and when the next one is due (Decree 356 Art. 20).
                *_crud("dossierfiling", "add", "change", "view", app="dossiers"),
                # The DPO's appointment and training (Decree 356/2025 Art. 13).
                *_crud("dpoappointment", "add", "change", "view", app="dossiers"),
                *_crud("dpotraining", "add", "change", "view", app="dossiers"),
                # What the DPO writes into Mẫu số 09/10 (Decree 356/2025 Art. 18–19).
                *_crud("dossiernarrative", "add", "change", "view", app="dossiers"),
                *_crud("dossierrisk", "add", "change", "view", app="dossiers"),
                # The DPO's periodic compliance report (Decree 356/2025 Art. 14(1)(c)).
                *_crud("compliancereport", "add", "change", "view", app="dossiers"),
                "dossiers.issue_compliancereport",
                *_IMPORT,
            ),
        ),
        Role(
            code=ADMINISTRATOR,
            group_name="Quản trị hệ thống",
            description=(
                "Administrator: sees customers in full (support); keeps the controller profile, "
                "purposes, policies and recipients; manages staff accounts and their roles, and "
                "unlocks accounts locked after failed logins; reads the access log; creates and "
                "revokes the API keys of the shop's systems."
            ),
            permissions=(
                *_crud("customer", "view"),
                *_crud("deliveryaddress", "view"),
                *_crud("order", "view"),
                *_crud("consent", "view"),
                *_crud("restriction", "view"),
                *_FULL_VIEW,
                *_crud("controller", "add", "change", "view"),
                *_crud("purpose", "add", "change", "view"),
                *_crud("policyversion", "add", "change", "view"),
                *_crud("recipient", "add", "change", "view"),
                *_crud("recipientagreement", "add", "change", "view"),
                # The systems where personal data is stored: the administrator knows them.
                *_crud("processingsystem", "add", "change", "view", app="dossiers"),
                # Reads the DPO's compliance reports (Decree 356/2025 Art. 14(1)(c)).
                *_crud("compliancereport", "view", app="dossiers"),
                *_crud("accesslog", "view"),
                *_crud("user", "add", "change", "delete", "view", app="auth"),
                *_crud("group", "add", "change", "delete", "view", app="auth"),
                # django-axes: deleting a lockout record unlocks the account.
                *_crud("accessattempt", "view", "delete", app="axes"),
                *_crud("accesslog", "view", app="axes"),
                *_crud("accessfailurelog", "view", app="axes"),
                # Retention: reads the rules and what the purges did (operations).
                *_crud("retentionrule", "view", app="retention"),
                *_READ_PURGES,
                # What waits for a broker that was down (customers/kernel/outbox.py).
                *_crud("outboxtask", "view"),
                # The periodic jobs' schedules (django-celery-beat): seen and changed, never
                # deleted — a purge that no longer runs breaks the retention promises.
                *_crud("periodictask", "view", "change", app="django_celery_beat"),
                *_crud("crontabschedule", "view", "add", "change", app="django_celery_beat"),
                *_crud("intervalschedule", "view", "add", "change", app="django_celery_beat"),
                # The working calendar: public holidays (deadlines skip them).
                *_crud("deadlinerule", "view", app="complaints"),
                *_HOLIDAYS,
                *_INCIDENTS,
                # The shop's systems: API keys are created and revoked here, never edited.
                *_crud("apikey", "add", "change", "view", app="api"),
                # Webhooks: endpoints added and turned off; deliveries read and replayed.
                *_crud("webhookendpoint", "add", "change", "view", app="api"),
                *_crud("webhookdelivery", "change", "view", app="api"),
            ),
        ),
        Role(
            code=ACCOUNTING,
            group_name="Kế toán",
            description=(
                "Accounting: sees orders and their amounts, the customer masked; nothing else "
                "personal."
            ),
            # Law on Accounting 2015 Art. 41: the orders are accounting records; who bought is
            # not the accountants' business (seed 004 §8: only what the role needs).
            permissions=_crud("order", "view"),
        ),
    )
}

# No role may ever hold these (tests/customers/test_masking.py checks the table).
FORBIDDEN_TO_ALL = (
    "customers.delete_customer",
    "customers.delete_order",
    "customers.delete_consent",
    "customers.add_accesslog",
    "customers.change_accesslog",
    "customers.delete_accesslog",
    # Nothing of retention is deleted in the admin: requests, holds and receipts are the proof.
    "retention.delete_retentionrule",
    "retention.delete_erasurerequest",
    "retention.delete_legalhold",
    "retention.delete_purgerun",
    "retention.delete_erasurereceipt",
    # Complaints are the proof that requests were answered: closed, never deleted.
    "complaints.delete_complaint",
    "complaints.delete_deadlinerule",
    # An incident and who it affected are the proof of what was notified.
    "complaints.delete_incident",
    "complaints.delete_incidentcustomer",
    # An issued compliance report is the DPO's evidence.
    "dossiers.delete_compliancereport",
)


def _create_permissions(apps: Apps, using: str) -> None:
    """Create the Permission rows of the apps the table names. On a fresh database a data
    migration runs before post_migrate has created any: this is the known pattern of calling
    create_permissions with the migration's app registry."""
    from django.contrib.auth.management import create_permissions

    for app_label in sorted(
        {name.split(".")[0] for role in ROLES.values() for name in role.permissions}
    ):
        try:
            app_config = apps.get_app_config(app_label)
        except LookupError:
            continue  # not in this migration state yet
        stub = getattr(app_config, "models_module", None) is None  # a migration's AppConfigStub
        if stub:
            # create_permissions skips an app without a models module: the stub has none.
            app_config.models_module = True  # type: ignore[assignment]  # any true value will do
        try:
            create_permissions(app_config, verbosity=0, interactive=False, using=using, apps=apps)
        finally:
            if stub:
                app_config.models_module = None


def role_groups_sync(*, apps: Apps = global_apps, using: str = DEFAULT_DB_ALIAS) -> list[str]:
    """Create each role's group, or bring it back to exactly the table's permissions.

    Returns the permissions named by the table that do not exist (yet): in a migration, those of
    models that later migrations create — the migration that creates them syncs again.
    """
    _create_permissions(apps, using)
    group_model = apps.get_model("auth", "Group")
    permission_model = apps.get_model("auth", "Permission")
    wanted = {name for role in ROLES.values() for name in role.permissions}
    app_labels = {name.split(".")[0] for name in wanted}
    available = {
        f"{app_label}.{codename}": pk
        for pk, app_label, codename in permission_model.objects.using(using)
        .filter(content_type__app_label__in=app_labels)
        .values_list("pk", "content_type__app_label", "codename")
    }
    for role in ROLES.values():
        group, _created = group_model.objects.using(using).get_or_create(name=role.group_name)
        group.permissions.set([available[name] for name in role.permissions if name in available])
    return sorted(wanted - available.keys())


def role_groups_delete(*, apps: Apps = global_apps, using: str = DEFAULT_DB_ALIAS) -> None:
    group_model = apps.get_model("auth", "Group")
    names = [role.group_name for role in ROLES.values()]
    group_model.objects.using(using).filter(name__in=names).delete()


def group_for(code: str) -> Group:
    """The group of a role ("customer_care", "sales", "legal_compliance", "administrator",
    "accounting")."""
    from django.contrib.auth.models import Group

    role = ROLES[code]
    group = Group.objects.filter(name=role.group_name).first()
    if group is None:  # e.g. after a test flushed the tables the migration filled
        role_groups_sync()
        group = Group.objects.get(name=role.group_name)
    return group


# For customers/migrations/0003_staff_roles.py -----------------------------------------------


def migration_forwards(apps: Apps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    role_groups_sync(apps=apps, using=schema_editor.connection.alias)


def migration_backwards(apps: Apps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    role_groups_delete(apps=apps, using=schema_editor.connection.alias)

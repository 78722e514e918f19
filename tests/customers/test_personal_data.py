from django.db import models
from django.test.utils import isolate_apps

from customers import personal_data
from customers.models import Customer, Order
from customers.personal_data import Category, Erasure, PersonalField


def test_every_text_like_field_of_the_project_is_declared() -> None:
    """A new char/text/email/IP/file field must say whether it holds personal data: masking,
    export, erasure and disclosure checks all read this declaration."""
    assert personal_data.undeclared_fields(personal_data.project_models()) == []


def test_history_models_are_covered_and_inherit_the_declaration() -> None:
    labels = {model._meta.label for model in personal_data.project_models()}
    assert "customers.HistoricalCustomer" in labels
    historical = Customer.history.model
    fields = personal_data.personal_fields(historical)
    assert fields["phone"] == personal_data.personal_fields(Customer)["phone"]
    assert fields["history_change_reason"].category == Category.FREE_TEXT


def test_an_undeclared_field_is_reported() -> None:
    with isolate_apps("customers"):

        class Leaky(models.Model):  # noqa: DJ008 (a throwaway model)
            nickname = models.CharField(max_length=50)
            note = models.TextField()
            count = models.IntegerField()

            class Meta:
                app_label = "customers"

        personal_data.declare(
            personal={"note": PersonalField(Category.FREE_TEXT)}, non_personal=["gone"]
        )(Leaky)
        try:
            problems = personal_data.undeclared_fields([Leaky])
        finally:
            personal_data._REGISTRY.pop(Leaky._meta.label)
    assert problems == [
        "customers.Leaky.nickname",
        "customers.Leaky.gone (declared, but no such field)",
    ]


def test_accounting_fields_are_kept_and_the_person_is_detached() -> None:
    order_fields = personal_data.personal_fields(Order)
    assert order_fields["total_vnd"].erasure is Erasure.KEEP
    assert order_fields["customer"].erasure is Erasure.CLEAR
    assert order_fields["delivery_phone"].erasure is Erasure.CLEAR


def test_decree356_art4_sensitive_fields_are_those_of_the_list() -> None:
    """An order's amount, an IP address or a browser string kept as consent evidence are basic
    data; evidence files and an authority's request are sensitive, each naming its point."""
    from django.apps import apps

    from customers.personal_data import Sensitivity, personal_fields

    sensitive = {
        (model._meta.label, name): field
        for model in apps.get_models()
        for name, field in personal_fields(model).items()
        if field.sensitivity == Sensitivity.SENSITIVE and not hasattr(model, "instance_type")
    }
    assert set(sensitive) == {
        ("complaints.Evidence", "file"),
        ("customers.Disclosure", "request_scan"),
    }
    assert all("Art. 4(1)" in field.article for field in sensitive.values())

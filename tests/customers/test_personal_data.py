from django.db import models
from django.test.utils import isolate_apps

from customers import personal_data
from customers.models import Customer, Order
from customers.personal_data import Category, Erasure, LegalItem, PersonalField


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
            personal={"note": PersonalField(Category.FREE_TEXT, legal=LegalItem.OTHER_BASIC)},
            non_personal=["gone"],
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
    assert (
        sensitive[("complaints.Evidence", "file")].article == "Decree 356/2025/NĐ-CP Art. 4(1)(i)"
    )
    assert sensitive[("customers.Disclosure", "request_scan")].legal == LegalItem.CRIME


def test_decree356_art3_art4_every_personal_field_names_its_legal_item() -> None:
    """Each personal field says which point of the decree's lists it is, not only the product's
    category: a phone or a tax code is Art. 3(7), an address Art. 3(4), an IP address kept as
    consent evidence Art. 3(11) — and the point alone decides what is sensitive."""
    from django.apps import apps

    from customers.personal_data import Sensitivity, legal_article, personal_fields

    for model in apps.get_models():
        for name, field in personal_fields(model).items():
            assert field.legal in LegalItem.values, f"{model._meta.label}.{name}"
            assert field.sensitivity == (
                Sensitivity.SENSITIVE if field.legal.startswith("4.") else Sensitivity.BASIC
            )
    customer = personal_fields(Customer)
    assert customer["phone"].article == "Decree 356/2025/NĐ-CP Art. 3(7)"
    assert customer["tax_code"].legal == LegalItem.NUMBERS
    assert customer["address"].legal == LegalItem.PLACES
    assert customer["full_name"].legal == LegalItem.NAME
    assert personal_fields(Order)["total_vnd"].legal == LegalItem.OTHER_BASIC
    consent = personal_fields(apps.get_model("customers", "Consent"))
    assert consent["ip_address"].sensitivity == Sensitivity.BASIC
    assert legal_article(LegalItem.BIOMETRIC) == "Decree 356/2025/NĐ-CP Art. 4(1)(đ)"
    # A field cannot be declared without its point.
    try:
        PersonalField(Category.CONTACT)  # type: ignore[call-arg]
    except TypeError:
        pass
    else:
        raise AssertionError("a personal field was declared without its legal item")

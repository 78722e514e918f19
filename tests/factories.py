"""Test data built through the services, the one way in for writes."""

from __future__ import annotations

import datetime
from typing import Any

import factory
from django.contrib.auth import get_user_model
from django.utils import timezone

from customers import services
from customers.models import Channel, Customer, PolicyVersion, Purpose


class StaffFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"staff{n}")
    email = factory.LazyAttribute(lambda o: f"{o.username}@pdpdesk.test")
    is_staff = True
    password = factory.PostGenerationMethodCall("set_password", "correct horse battery")

    @factory.post_generation
    def save_password(self, create: bool, extracted: Any, **kwargs: Any) -> None:
        if create:
            self.save()


class CustomerFactory(factory.Factory):
    class Meta:
        model = Customer

    kind = Customer.Kind.INDIVIDUAL
    full_name = factory.Sequence(lambda n: f"Nguyễn Văn An {n}")
    phone = factory.Sequence(lambda n: f"0912{n % 1000000:06d}")
    email = factory.Sequence(lambda n: f"khach{n}@example.vn")
    address = "12 Lê Lợi, Phường Bến Thành, TP. Hồ Chí Minh"
    source_channel = Channel.WEB_FORM

    @classmethod
    def _create(cls, model_class: type, *args: Any, **kwargs: Any) -> Customer:
        actor = kwargs.pop("actor", None)
        return services.customer_create(actor=actor, **kwargs)


class PurposeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Purpose
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"purpose-{n}")
    name_vi = factory.Sequence(lambda n: f"Mục đích {n}")
    name_en = factory.Sequence(lambda n: f"Purpose {n}")
    legal_basis = Purpose.LegalBasis.CONSENT


class PolicyVersionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PolicyVersion
        django_get_or_create = ("version",)

    version = factory.Sequence(lambda n: f"1.{n}")
    effective_from = factory.LazyFunction(
        lambda: timezone.localdate() - datetime.timedelta(days=30)
    )
    title_vi = "Chính sách bảo mật thông tin"
    title_en = "Privacy policy"
    body_vi = "1. Mục đích thu thập thông tin cá nhân.\nChúng tôi thu thập họ tên, số điện thoại."
    body_en = "1. Why we collect personal information.\nWe collect your name and phone number."

from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from customers.models import (
    Consent,
    Controller,
    Customer,
    DeliveryAddress,
    Order,
    PolicyVersion,
    Purpose,
)

for model in (Controller, Customer, DeliveryAddress, Order, Purpose, PolicyVersion, Consent):
    admin.site.register(model, SimpleHistoryAdmin)

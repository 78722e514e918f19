from django.urls import path

from complaints import views

app_name = "complaints"

urlpatterns = [
    path("complaints/new/", views.complaint_new, name="new"),
    path("complaints/sent/", views.complaint_sent, name="sent"),
    path("complaints/status/", views.complaint_status, name="status"),
]

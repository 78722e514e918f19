"""The project's URLs plus /bench/bare/ (bench/bare.py), for bench/form.py."""

from django.urls import path

from bench.bare import bare
from config.urls import urlpatterns as project_urlpatterns

urlpatterns = [path("bench/bare/", bare, name="bench-bare"), *project_urlpatterns]

"""Development on one machine: the embedded defaults of base.py, with DEBUG on."""

from .base import *  # noqa: F403  # settings layer on the base, as in cookiecutter-django
from .base import env

DEBUG = env.bool("DJANGO_DEBUG", default=True)

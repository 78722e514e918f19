"""Strings of Django's admin, django-simple-history and django-celery-beat that staff read.

Neither package ships Vietnamese; listing their message ids here lets `make messages` put them
in our catalogue, which Django consults first (LOCALE_PATHS). Never imported.
"""

from django.utils.translation import gettext_noop, ngettext_lazy

THIRD_PARTY_STRINGS = [
    # Django's admin asks for these as one plural message; its Vietnamese has them apart only.
    ngettext_lazy("Please correct the error below.", "Please correct the errors below.", 1),
    # django-simple-history: the history pages staff use to see who changed what.
    gettext_noop("Change history: %s"),
    gettext_noop('The %(name)s "%(obj)s" was changed successfully.'),
    gettext_noop("You may edit it again below"),
    gettext_noop("Revert %s"),
    gettext_noop("Created"),
    gettext_noop("Changed"),
    gettext_noop("Deleted"),
    gettext_noop(
        "Choose a date from the list below to revert to a previous version of this object."
    ),
    gettext_noop("This object doesn't have a change history."),
    gettext_noop("History"),
    gettext_noop("Revert %(verbose_name)s"),
    gettext_noop("Press the 'Revert' button below to revert to this version of the object."),
    gettext_noop("Or press the 'Change History' button to edit the history."),
    gettext_noop("Object"),
    gettext_noop("Date/time"),
    gettext_noop("Comment"),
    gettext_noop("Changed by"),
    gettext_noop("Change reason"),
    gettext_noop("None"),
    gettext_noop("Revert"),
    gettext_noop("Change History"),
    # django-celery-beat: the schedules of the purge and reminder jobs.
    gettext_noop("Periodic Tasks"),
    gettext_noop("periodic task"),
    gettext_noop("periodic tasks"),
    gettext_noop("crontab"),
    gettext_noop("crontabs"),
    gettext_noop("interval"),
    gettext_noop("intervals"),
    gettext_noop("clocked"),
    gettext_noop("solar event"),
    gettext_noop("solar events"),
    gettext_noop("Name"),
    gettext_noop("Description"),
    gettext_noop("Enabled"),
    gettext_noop("Schedule"),
    gettext_noop("Arguments"),
    gettext_noop("One-off Task"),
    gettext_noop("Start Datetime"),
    gettext_noop("Expires Datetime"),
    gettext_noop("Last Run Datetime"),
    gettext_noop("Total Run Count"),
    gettext_noop("Last Modified"),
    gettext_noop("Enable selected tasks"),
    gettext_noop("Disable selected tasks"),
    gettext_noop("Run selected tasks"),
]

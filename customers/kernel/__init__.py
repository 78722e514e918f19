"""The kernel every app of pdpdesk uses, so that no app writes it again:

- ``writes``: what every service does around a model — the actor, the attributed save, the
  permission check, the row lock, the saved values copied back, a task queued after commit;
- ``locks``: the job lock that keeps two runs of a scheduled job from overlapping;
- ``text``: dates and times the Vietnamese way, folded names, spreadsheet-safe cells;
- ``forms``: a service's refusal shown on the form, next to the field it names.

The admin's shared machinery (the service-backed ModelAdmin, masking, the workflow-step pages)
lives in ``customers.admin.base`` and ``customers.admin.steps``.
"""

"""The kernel every app of pdpdesk uses, so that no app writes it again:

- ``writes``: what every service does around a model — the actor, the attributed save, the
  permission check, the row lock, the saved values copied back, a task queued after commit;
- ``outbox``: the queued tasks, recorded with the write that owes them and published once
  (a broker that is down delays them, never loses them);
- ``locks``: the job lock that keeps two runs of a scheduled job from overlapping;
- ``text``: dates and times the Vietnamese way, folded names, spreadsheet-safe cells;
- ``forms``: a service's refusal shown on the form, next to the field it names;
- ``files``: uploads recognised by their content, stored under random names.

The admin's shared machinery (the service-backed ModelAdmin, masking, the workflow-step pages)
lives in ``customers.admin.base`` and ``customers.admin.steps``.
"""

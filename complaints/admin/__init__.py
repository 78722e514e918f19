"""The back office of complaints, data-subject requests and breach incidents: each module
registers its ModelAdmins."""

from complaints.admin import complaints, incidents

__all__ = ["complaints", "incidents"]

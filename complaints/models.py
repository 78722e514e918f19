"""Models arrive with their issue; see SPEC.md."""

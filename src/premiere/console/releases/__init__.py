"""The releases section of the console: the list and calendar, creating a release,
a release's page (readiness, approvals, plan, guard charts, actions, notes, audit)."""

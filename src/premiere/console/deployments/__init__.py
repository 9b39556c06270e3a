"""The console's deployments section: history, a deployment's page with promote and
roll back (``pages``), and the project's settings: environments, their policy,
services and their verification checks (``settings``, ``checks``)."""

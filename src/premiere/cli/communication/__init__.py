"""Release communication's commands: ``premiere notes`` (a release's note entries),
``premiere webhooks`` (outgoing webhooks) and ``premiere subscribers``."""

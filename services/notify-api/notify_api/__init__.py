"""notify-api: notifications, urging, escalations and weekly bulletins."""

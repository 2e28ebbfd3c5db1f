"""The Slack surface: the Bolt app, its listeners, and a local stand-in for Slack."""

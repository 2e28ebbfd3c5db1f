"""Block Kit messages, one module a feature; message.py holds what every message is made of."""

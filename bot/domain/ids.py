"""What a Slack member or channel ID looks like: the plain IDs strandbot stores, validates in settings and
reads from typed commands (the Slack edge turns `<@U…>` and `<#C…>` mentions into these first)."""

from __future__ import annotations

import re

MEMBER_ID = re.compile(r"^[UW][A-Z0-9]{2,}$")
CHANNEL_ID = re.compile(r"^[CG][A-Z0-9]{2,}$")

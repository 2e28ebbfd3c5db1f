"""Typed errors a user can act on. Each carries what the user needs to see; renderers word it."""

from __future__ import annotations


class StrandbotError(Exception):
    """Base of every error whose message is fit to show a user as it is."""


class UnknownName(StrandbotError):
    """Nothing in a catalogue (strands, areas) answers to what was typed; `suggestions` are the nearest."""

    noun = "entry"
    list_hint = ""

    def __init__(self, text: str, suggestions: list[str]):
        self.text = text
        self.suggestions = suggestions
        hint = f" Did you mean {_or_list(suggestions)}?" if suggestions else f" {self.list_hint}"
        super().__init__(f"No {self.noun} is called “{text}”.{hint}")


class AmbiguousName(StrandbotError):
    noun = "entry"

    def __init__(self, text: str, candidates: list[str]):
        self.text = text
        self.suggestions = candidates
        super().__init__(f"“{text}” could be several {self.noun}s: did you mean {_or_list(candidates)}?")


class UnknownStrand(UnknownName):
    noun = "strand"
    list_hint = "`/strand list` shows every strand."


class AmbiguousStrand(AmbiguousName):
    noun = "strand"


class UnknownArea(UnknownName):
    noun = "area"
    list_hint = "`/strand areas` shows every area."


class AmbiguousArea(AmbiguousName):
    noun = "area"


class InvalidRequest(StrandbotError):
    """The request is malformed (a bad date, text far too long…); the message says how to fix it."""


class DatabaseUnavailable(StrandbotError):
    """The database can't be reached or opened. `detail` (the driver's words) is for administrators."""

    def __init__(self, detail: str = "", fix: str = "") -> None:
        self.detail = detail
        # What an administrator should change when waiting won't help (no such database, role or password):
        # shown at a terminal, not to Slack users.
        self.fix = fix
        super().__init__(
            "The statistics database can't be reached right now, so no figures can be shown. "
            "Please try again in a few minutes; the problem has been logged for the administrators."
        )


class LoadInterrupted(DatabaseUnavailable):
    """The database failed (went down, dropped the connection) during an import: its one transaction, so the
    whole load, was rolled back."""

    def __init__(self, file: str, detail: str = "") -> None:
        super().__init__(detail)
        StrandbotError.__init__(
            self,
            f"The database failed during the load of {file}, so nothing from it was committed. "
            "Load the file again once the database is back: that load will hold every row.",
        )


class DatabaseRefused(StrandbotError):
    def __init__(self, detail: str) -> None:
        self.detail = detail
        super().__init__(f"The database refused the change, so nothing was saved: {detail}")


class DatabaseNotReady(StrandbotError):
    """The database has no schema yet (or, for SQLite, no file). `database` says which one was opened."""

    def __init__(self, database: str) -> None:
        self.database = database
        super().__init__(
            f"The statistics database ({database}) has not been set up yet. "
            "An administrator needs to run `strandbot db upgrade`."
        )


def _or_list(items: list[str]) -> str:
    quoted = [f"`{item}`" for item in items]
    if len(quoted) <= 1:
        return "".join(quoted)
    return ", ".join(quoted[:-1]) + " or " + quoted[-1]


class DeliveryFailed(StrandbotError):
    """Slack did not take a message (or, as DeliveryUnknown, may have), after retrying what was worth retrying.
    The message says why; `retryable` whether a later try could succeed (a rate limit) or not (strandbot is not
    in the channel)."""

    def __init__(self, reason: str, retryable: bool = True):
        self.retryable = retryable
        super().__init__(reason)


class DeliveryUnknown(DeliveryFailed):
    """The request reached (or may have reached) Slack, but no clear answer came back: the connection dropped,
    Slack answered HTTP 5xx, or no answer came in time. Slack may have taken the message, so sending it again
    blindly could post it twice: look in the channel first."""


class AuditLogBroken(StrandbotError):
    """The audit log's chain head is gone, so nothing can be recorded, and so nothing personal is shown."""

    def __init__(self) -> None:
        super().__init__(
            "The audit log cannot record this, so nothing was shown: its chain head is missing, which strandbot "
            "never does. An administrator should run `strandbot audit verify` and restore it from a backup."
        )


class NoHarmWeights(StrandbotError):
    """Harm was asked for before any weights were loaded."""

    def __init__(self) -> None:
        super().__init__(
            "No harm weights are loaded yet, so harm can't be shown; counts can. An administrator loads a set "
            'with `strandbot harm load WEIGHTS.csv --name "ONS CSS 2016"` (the README\'s "Harm" section says '
            "how to build the file from a published index)."
        )

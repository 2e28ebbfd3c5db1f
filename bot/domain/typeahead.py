"""Type-ahead over a catalogue: the entries whose names match what someone has typed so far, for menus
that load their options as the person types (a catalogue of any size; Slack shows at most 100)."""

from __future__ import annotations

from bot.domain.catalogue import Catalogue, CatalogueEntry, normalise


def typed_matches(catalogue: Catalogue, typed: str, limit: int) -> list[CatalogueEntry]:
    """Up to `limit` entries, in display order: those with a label (slug, name or alias) starting with `typed`
    (ignoring case, spacing, hyphens and `&`/`and`, as names are matched everywhere) before those with one
    containing it. Nothing typed: the first `limit`."""
    key = normalise(typed)
    if not key:
        return list(catalogue)[:limit]
    starting, containing = [], []
    for entry in catalogue:
        keys = [normalise(label) for label in entry.labels]
        if any(k.startswith(key) for k in keys):
            starting.append(entry)
        elif any(key in k for k in keys):
            containing.append(entry)
    return (starting + containing)[:limit]

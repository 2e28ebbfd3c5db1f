"""Harm weight sets at a terminal: `strandbot harm load`'s summary and `harm show`'s set, weights and record of
sets, as text or JSON."""

from __future__ import annotations

import json

from tabulate import tabulate

from bot.harm.records import WeightSetRecord
from bot.harm.weights import LoadedWeights, WeightsOnRecord
from bot.harm.weights_file import weight_text


def set_title(weight_set: WeightSetRecord) -> str:
    """'“ONS CSS 2016” (set 3)'."""
    return f"“{weight_set.name}” (set {weight_set.id})"


def loaded_text(loaded: LoadedWeights) -> str:
    """What `harm load` did, in a sentence or two."""
    if loaded.unchanged:
        return f"{set_title(loaded.weight_set)} is already the set in use, with exactly these weights: nothing changed."
    codes = loaded.weight_set.codes
    text = (
        f"Loaded {codes:,} weight{'s' if codes != 1 else ''} as {set_title(loaded.weight_set)}; "
        "it is now the set in use."
    )
    if loaded.earlier_sets:
        earlier = "set stays" if loaded.earlier_sets == 1 else f"{loaded.earlier_sets} sets stay"
        text += f" The earlier {earlier} on record (`strandbot harm show`)."
    return text


def weights_text(shown: WeightsOnRecord) -> str:
    """`harm show`: the set (who loaded it, when, from which file), its weights, and every set on record."""
    chosen = shown.weight_set
    if shown.in_use:
        heading = f"Harm weights in use: {set_title(chosen)}"
    else:
        heading = f"Harm weight set {chosen.id}, “{chosen.name}”: on record, not in use ({set_title(shown.sets[0])} is)"
    lines = [
        heading,
        f"{chosen.codes:,} offence codes, loaded by {chosen.loaded_by} on {chosen.loaded_at:%Y-%m-%d %H:%M} UTC",
        f"File: {chosen.file_name} (SHA-256 {chosen.file_sha256[:12]}…)",
        "",
        tabulate(
            [[w.offence_code, weight_text(w.weight), w.description or ""] for w in shown.weights],
            headers=["Code", "Weight", "Description"],
            disable_numparse=True,
        ),
        "",
        "Sets on record, newest first (the newest is the one in use):",
        tabulate(
            [[s.id, s.name, f"{s.loaded_at:%Y-%m-%d %H:%M}", s.loaded_by, f"{s.codes:,}"] for s in shown.sets],
            headers=["Set", "Name", "Loaded (UTC)", "By", "Codes"],
            disable_numparse=True,
        ),
    ]
    return "\n".join(lines)


def weights_json(shown: WeightsOnRecord) -> str:
    """`{"set": {…, "weights": [{"offence_code", "weight", "description"}]}, "sets": [{…}]}`, sets newest first."""
    in_use = shown.sets[0].id
    chosen = {
        **_set_json(shown.weight_set, in_use),
        "weights": [
            {"offence_code": w.offence_code, "weight": w.weight, "description": w.description} for w in shown.weights
        ],
    }
    return json.dumps({"set": chosen, "sets": [_set_json(s, in_use) for s in shown.sets]}, ensure_ascii=False, indent=2)


def _set_json(weight_set: WeightSetRecord, in_use: int) -> dict:
    return {
        "id": weight_set.id,
        "name": weight_set.name,
        "in_use": weight_set.id == in_use,
        "file": weight_set.file_name,
        "file_sha256": weight_set.file_sha256,
        "loaded_by": weight_set.loaded_by,
        "loaded_at": weight_set.loaded_at.isoformat(),
        "codes": weight_set.codes,
    }

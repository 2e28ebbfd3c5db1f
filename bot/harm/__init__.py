"""Harm weights: the sets of offence-code weights a force loads (a published index of its choice), kept on
record, one of them in use. The statistics that weigh occurrences with them are in `bot.domain.harm`."""

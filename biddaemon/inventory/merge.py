"""One canonical asset per reference, from the file and every import source.

For each field the file wins over the sources (what the operator wrote is deliberate), and the
sources rank in the order they are configured. When two of them disagree the winner is used
and the disagreement is reported, never silently resolved. An imported asset with no file entry
is only reported: no source says what technology, status and platforms it has, so mirroring it
would mean guessing.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, fields, replace
from pathlib import Path
from typing import Any

from biddaemon.inventory.canonical import (
    DEFAULT_COUNTRY,
    AssetFacts,
    CanonicalAsset,
    Portfolio,
    Source,
)
from biddaemon.inventory.file import (
    REQUIRED_FACTS,
    FileProblem,
    InventoryFile,
    InventoryFileInvalid,
)

_DETAILS = ("piclo", "localflex", "flatpeak")
_SKIP = frozenset({"ref", "source", *_DETAILS})


@dataclass(frozen=True)
class Inventory:
    """The fleet as it should be on every platform, and what the merge had to say."""

    assets: tuple[CanonicalAsset, ...]
    portfolios: tuple[Portfolio, ...] = ()
    notes: tuple[str, ...] = ()


def merge_inventory(
    file: InventoryFile | None, imported: Sequence[AssetFacts], *, path: Path | None = None
) -> Inventory:
    """Overlay the file on the imported facts by `ref`; incomplete file entries are refused.

    Every entry that still lacks a name, technology or status after the merge is named in one
    `InventoryFileInvalid`, as for any other mistake in the file.
    """
    by_ref: dict[str, list[AssetFacts]] = {}
    for facts in imported:
        by_ref.setdefault(facts.ref, []).append(facts)
    notes: list[str] = []
    assets: list[CanonicalAsset] = []
    problems: list[FileProblem] = []
    entries = file.entries if file is not None else ()
    for entry in entries:
        layers = [entry.facts, *by_ref.pop(entry.facts.ref, [])]
        merged, conflicts = _overlay(layers)
        notes.extend(conflicts)
        missing = [name for name in REQUIRED_FACTS if getattr(merged, name) is None]
        if missing or merged.name is None or merged.technology is None or merged.status is None:
            others = sorted({f.source.value for f in layers if f.source is not Source.FILE})
            why = f" (neither the file nor {' nor '.join(others)} gives it)" if others else ""
            problems.extend(
                FileProblem(f"is required{why}", index=entry.index, ref=entry.facts.ref, field=name)
                for name in missing
            )
            continue
        asset = CanonicalAsset(
            ref=merged.ref,
            name=merged.name,
            technology=merged.technology,
            status=merged.status,
            platforms=merged.platforms or frozenset(),
            sources=tuple(dict.fromkeys(layer.source for layer in layers)),
            country_code=merged.country_code or DEFAULT_COUNTRY,
        )
        assets.append(_with_optional_facts(asset, merged))
    if problems:
        raise InventoryFileInvalid(path or (file.path if file else Path("-")), problems)
    for ref, layers in sorted(by_ref.items()):
        said = ", ".join(sorted({layer.source.value for layer in layers}))
        notes.append(
            f"{ref} (from {said}) is not in the inventory file, so it is not mirrored; "
            "add an entry with this ref (technology, status, platforms) to mirror it"
        )
    portfolios = file.portfolios if file is not None else ()
    return Inventory(assets=tuple(assets), portfolios=portfolios, notes=tuple(notes))


def _overlay(layers: Sequence[AssetFacts]) -> tuple[AssetFacts, list[str]]:
    """The first layer's value for each field, the others' where it has none; conflicts noted."""
    ref = layers[0].ref
    values: dict[str, Any] = {}
    notes: list[str] = []
    for name in (f.name for f in fields(AssetFacts) if f.name not in _SKIP):
        value, conflicts = _pick(
            ref, name, [(layer.source, getattr(layer, name)) for layer in layers]
        )
        values[name] = value
        notes.extend(conflicts)
    for section in _DETAILS:
        details = [(layer.source, getattr(layer, section)) for layer in layers]
        picked: dict[str, Any] = {}
        for name in (f.name for f in fields(details[0][1])):
            value, conflicts = _pick(
                ref, f"{section}.{name}", [(source, getattr(d, name)) for source, d in details]
            )
            picked[name] = value
            notes.extend(conflicts)
        values[section] = type(details[0][1])(**picked)
    return AssetFacts(ref=ref, source=layers[0].source, **values), notes


def _pick(ref: str, name: str, candidates: Iterable[tuple[Source, Any]]) -> tuple[Any, list[str]]:
    present = [(source, value) for source, value in candidates if value is not None]
    if not present:
        return None, []
    winner_source, winner = present[0]
    notes = [
        f"{ref} {name}: {winner_source.value} says {_show(winner)}, {source.value} says "
        f"{_show(value)}; using {winner_source.value}"
        for source, value in present[1:]
        if value != winner
    ]
    return winner, notes


def _show(value: Any) -> str:
    if isinstance(value, frozenset | tuple):
        return "[" + ", ".join(sorted(str(item) for item in value)) + "]"
    return str(value)


def _with_optional_facts(asset: CanonicalAsset, facts: AssetFacts) -> CanonicalAsset:
    """The asset with every optional fact and platform detail of the merged facts."""
    copied = {
        f.name: getattr(facts, f.name)
        for f in fields(AssetFacts)
        if f.name not in _SKIP | {"name", "technology", "status", "platforms", "country_code"}
    }
    return replace(
        asset, **copied, piclo=facts.piclo, localflex=facts.localflex, flatpeak=facts.flatpeak
    )

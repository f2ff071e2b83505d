"""The inventory file (`BIDDAEMON_INVENTORY__PATH`, YAML): read, check, and report every mistake.

Every problem is found in one pass and reported together, each with its entry (`assets[3]`),
the entry's `ref` when it has one, and the field, so the operator fixes the file once. YAML
numbers are read from their text as `Decimal` (`2.1` stays exactly 2.1); durations are ISO 8601
(`PT30M`). A field the file does not know is a mistake (usually a typo), never ignored.

    assets:
      - ref: bess-dunfermline-1
        name: Dunfermline BESS 1
        technology: battery
        status: operational
        postcode: KY11 8UH
        voltage_kv: "11.00"
        export_mw: "2.000"
        platforms: [piclo, localflex, flatpeak]
        outages:      # GB local time, or UTC with an offset; [start, end)
          - {start: "2027-01-12 08:00", end: "2027-01-12 12:00", mw: "2.000", reason: maintenance}
        localflex: {market_products: [active_power_30m], grid_node_mrid: ...}
    localflex:
      portfolios:
        - {ref: fife, name: Fife storage, market_products: [active_power_30m]}

`outages` and `status` reach bidding: an outage's `mw` is not offered in any service window it
overlaps, and a `mothballed` (in maintenance) or `archived` asset offers nothing.

With no import source configured, an entry must say `name`, `technology` and `status`; with
sources, an entry may add to an imported asset of the same `ref`, and completeness is checked
after the merge (`merge.py`), reported the same way. What each field may hold is
`file_entries.py`'s models.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

import yaml
from pydantic import (
    ValidationError,
)

from biddaemon.errors import ConfigurationError, OperatorActionRequired
from biddaemon.inventory.canonical import (
    AssetFacts,
    FlatpeakDetails,
    LocalFlexDetails,
    Outage,
    PicloDetails,
    Portfolio,
    Source,
)
from biddaemon.inventory.file_entries import GB_POSTCODE, AssetEntry, PortfolioEntry

PATH_VARIABLE = "BIDDAEMON_INVENTORY__PATH"
REQUIRED_FACTS = ("name", "technology", "status")


# --------------------------------------------------------------------------------------------
# Problems


@dataclass(frozen=True)
class FileProblem:
    """One mistake: where (entry, its ref, the field) and what is wrong."""

    message: str
    section: str = "assets"
    index: int | None = None
    ref: str | None = None
    field: str | None = None

    @property
    def where(self) -> str:
        place = self.section if self.index is None else f"{self.section}[{self.index}]"
        if self.ref:
            place += f" ({self.ref})"
        return f"{place} {self.field}" if self.field else place

    def __str__(self) -> str:
        return f"{self.where}: {self.message}"


class InventoryFileInvalid(ConfigurationError):
    """The inventory file has mistakes; nothing was planned or written.

    `file_problems` lists every one, in file order (`problems` maps each place to its
    message, as for settings). Commands exit with code 2, like any other configuration mistake.
    """

    def __init__(self, path: Path | str, problems: Sequence[FileProblem]) -> None:
        self.path = Path(path)
        self.file_problems = tuple(problems)
        self.problems = {problem.where: problem.message for problem in problems}
        noun = "problem" if len(problems) == 1 else "problems"
        lines = "\n".join(f"  {problem}" for problem in problems)
        # The message lists problems in file order, not sorted as ConfigurationError's does.
        OperatorActionRequired.__init__(
            self,
            f"the inventory file {path} has {len(problems)} {noun}; nothing was planned or "
            f"written:\n{lines}",
        )


# --------------------------------------------------------------------------------------------
# The file


@dataclass(frozen=True)
class FileEntry:
    """An entry that passed every check: its position (for messages) and its facts."""

    index: int
    facts: AssetFacts


@dataclass(frozen=True)
class InventoryFile:
    path: Path
    entries: tuple[FileEntry, ...]
    portfolios: tuple[Portfolio, ...]


class _DecimalLoader(yaml.SafeLoader):
    """YAML with every float read from its text as a Decimal (no binary rounding)."""


def _decimal_float(loader: yaml.SafeLoader, node: yaml.Node) -> Decimal:
    text = str(loader.construct_scalar(node)).replace("_", "")  # type: ignore[arg-type]
    if text.lower().lstrip("+-") in (".inf", ".nan"):
        raise yaml.constructor.ConstructorError(
            None, None, f"{text} is not a usable number", node.start_mark
        )
    return Decimal(text)


_DecimalLoader.add_constructor("tag:yaml.org,2002:float", _decimal_float)


def load_inventory_file(path: Path, *, require_complete: bool = True) -> InventoryFile:
    """Read and check the file; every mistake together in one `InventoryFileInvalid`.

    `require_complete=False` (when import sources are configured) lets an entry leave out
    `name`, `technology` and `status` for a source to supply.
    """
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise InventoryFileInvalid(
            path, [FileProblem(f"the file does not exist (check {PATH_VARIABLE})", "file")]
        ) from None
    except OSError as error:
        raise InventoryFileInvalid(
            path, [FileProblem(f"cannot be read: {error.strerror}", "file")]
        ) from None
    try:
        document = yaml.load(text, Loader=_DecimalLoader)  # noqa: S506 (a SafeLoader subclass)
    except yaml.YAMLError as error:
        raise InventoryFileInvalid(path, [_yaml_problem(error)]) from None
    return parse_inventory(document, path=path, require_complete=require_complete)


def parse_inventory(document: Any, *, path: Path, require_complete: bool = True) -> InventoryFile:
    """Check an already-loaded document (see `load_inventory_file`)."""
    problems: list[FileProblem] = []
    if not isinstance(document, dict):
        raise InventoryFileInvalid(
            path, [FileProblem("the file must be a mapping with an `assets:` list", "file")]
        )
    for key in document:
        if key not in ("assets", "localflex"):
            problems.append(FileProblem("unknown section (a typo?)", str(key)))
    raw_assets = document.get("assets")
    if not isinstance(raw_assets, list):
        problems.append(FileProblem("must be a list of asset entries", "assets"))
        raw_assets = []
    entries: list[FileEntry] = []
    first_index: dict[str, int] = {}
    for index, raw in enumerate(raw_assets):
        entry, entry_problems = _check_asset(index, raw, require_complete=require_complete)
        problems.extend(entry_problems)
        ref = raw.get("ref") if isinstance(raw, dict) else None
        if isinstance(ref, str):
            if ref in first_index:
                problems.append(
                    FileProblem(
                        f"is also used by assets[{first_index[ref]}]; refs must be unique",
                        index=index,
                        ref=ref,
                        field="ref",
                    )
                )
            first_index.setdefault(ref, index)
        if entry is not None and not entry_problems:
            entries.append(entry)
    portfolios = _check_portfolios(document.get("localflex"), problems)
    if problems:
        raise InventoryFileInvalid(path, problems)
    return InventoryFile(path=path, entries=tuple(entries), portfolios=portfolios)


def _check_asset(
    index: int, raw: Any, *, require_complete: bool
) -> tuple[FileEntry | None, list[FileProblem]]:
    if not isinstance(raw, dict):
        return None, [FileProblem("must be a mapping of fields", index=index)]
    ref = raw.get("ref") if isinstance(raw.get("ref"), str) else None
    problems: list[FileProblem] = []
    try:
        entry = AssetEntry.model_validate(raw)
    except ValidationError as exc:
        problems.extend(_pydantic_problems(exc, index=index, ref=ref))
        entry = None
    failed = {problem.field.split(".")[0] for problem in problems if problem.field}
    if require_complete:
        for name in REQUIRED_FACTS:
            if raw.get(name) is None and name not in failed:
                problems.append(FileProblem("is required", index=index, ref=ref, field=name))
    has_lat, has_lon = raw.get("latitude") is not None, raw.get("longitude") is not None
    if has_lat != has_lon:
        missing = "longitude" if has_lat else "latitude"
        problems.append(
            FileProblem("latitude and longitude go together", index=index, ref=ref, field=missing)
        )
    postcode, country = raw.get("postcode"), raw.get("country_code") or "GB"
    british = isinstance(postcode, str) and country == "GB" and "postcode" not in failed
    if british and not GB_POSTCODE.match(" ".join(str(postcode).upper().split())):
        problems.append(
            FileProblem(
                "is not a UK postcode such as KY11 8UH", index=index, ref=ref, field="postcode"
            )
        )
    if entry is None or problems:
        return None, problems
    return FileEntry(index=index, facts=_facts(entry)), []


def _check_portfolios(section: Any, problems: list[FileProblem]) -> tuple[Portfolio, ...]:
    if section is None:
        return ()
    if not isinstance(section, dict) or set(section) - {"portfolios"}:
        problems.append(FileProblem("may only hold `portfolios:`", "localflex"))
        return ()
    raw_list = section.get("portfolios") or []
    if not isinstance(raw_list, list):
        problems.append(FileProblem("must be a list", "localflex.portfolios"))
        return ()
    portfolios: list[Portfolio] = []
    seen: dict[str, int] = {}
    for index, raw in enumerate(raw_list):
        ref = raw.get("ref") if isinstance(raw, dict) and isinstance(raw.get("ref"), str) else None
        if ref is not None:
            if ref in seen:
                problems.append(
                    FileProblem(
                        f"is also used by localflex.portfolios[{seen[ref]}]",
                        "localflex.portfolios",
                        index,
                        ref,
                        "ref",
                    )
                )
            seen.setdefault(ref, index)
        try:
            entry = PortfolioEntry.model_validate(raw)
        except ValidationError as exc:
            problems.extend(
                _pydantic_problems(exc, index=index, ref=ref, section="localflex.portfolios")
            )
            continue
        portfolios.append(
            Portfolio(
                ref=entry.ref,
                name=entry.name,
                grid_node_mrid=entry.grid_node_mrid,
                market_products=tuple(entry.market_products),
                auto_assign_asset=entry.auto_assign_asset,
                asset_types=(
                    tuple(t.value for t in entry.asset_types)
                    if entry.asset_types is not None
                    else None
                ),
            )
        )
    return tuple(portfolios)


def _facts(entry: AssetEntry) -> AssetFacts:
    piclo, localflex, flatpeak = entry.piclo, entry.localflex, entry.flatpeak
    return AssetFacts(
        ref=entry.ref,
        source=Source.FILE,
        name=entry.name,
        technology=entry.technology,
        status=entry.status,
        country_code=entry.country_code,
        postcode=entry.postcode,
        latitude=entry.latitude,
        longitude=entry.longitude,
        voltage_kv=entry.voltage_kv,
        export_mw=entry.export_mw,
        import_mw=entry.import_mw,
        energy_mwh=entry.energy_mwh,
        ramp_up_mw_per_min=entry.ramp_up_mw_per_min,
        ramp_down_mw_per_min=entry.ramp_down_mw_per_min,
        min_runtime=entry.min_runtime,
        max_runtime=entry.max_runtime,
        response_time=entry.response_time,
        recovery_time=entry.recovery_time,
        import_meter_id=entry.import_meter_id,
        export_meter_id=entry.export_meter_id,
        platforms=frozenset(entry.platforms) if entry.platforms is not None else None,
        outages=(
            tuple(Outage(o.start, o.end, o.mw, o.reason) for o in entry.outages)
            if entry.outages
            else None
        ),
        piclo=PicloDetails(**piclo.model_dump()) if piclo else PicloDetails(),
        localflex=(
            LocalFlexDetails(
                **{
                    **localflex.model_dump(),
                    "asset_type": localflex.asset_type.value if localflex.asset_type else None,
                    "market_products": _tuple(localflex.market_products),
                }
            )
            if localflex
            else LocalFlexDetails()
        ),
        flatpeak=(
            FlatpeakDetails(
                **{
                    **flatpeak.model_dump(),
                    "device_type": flatpeak.device_type.value if flatpeak.device_type else None,
                    "location_ids": _tuple(flatpeak.location_ids),
                }
            )
            if flatpeak
            else FlatpeakDetails()
        ),
    )


def _tuple(values: list[str] | None) -> tuple[str, ...] | None:
    return tuple(values) if values is not None else None


_MESSAGES = {
    "extra_forbidden": "unknown field (a typo?)",
    "missing": "is required",
}


def _pydantic_problems(
    exc: ValidationError, *, index: int, ref: str | None, section: str = "assets"
) -> list[FileProblem]:
    problems = []
    for error in exc.errors(include_url=False, include_input=False):
        field = _field_path(error["loc"]) or None
        message = _MESSAGES.get(error["type"]) or str(error["msg"]).removeprefix("Value error, ")
        problems.append(FileProblem(message, section, index, ref, field))
    return problems


def _field_path(loc: tuple[int | str, ...]) -> str:
    """('localflex', 'market_products', 0) -> 'localflex.market_products[0]'."""
    path = ""
    for part in loc:
        path += f"[{part}]" if isinstance(part, int) else (f".{part}" if path else str(part))
    return path


def _yaml_problem(error: yaml.YAMLError) -> FileProblem:
    mark = getattr(error, "problem_mark", None)
    problem = getattr(error, "problem", None) or str(error)
    where = f"line {mark.line + 1}, column {mark.column + 1}" if mark is not None else "file"
    return FileProblem(f"not valid YAML: {problem}", where)

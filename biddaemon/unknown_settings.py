"""Refuse `BIDDAEMON_*` variables that name no setting: a typo must never pass silently.

pydantic-settings ignores names it does not know, so `BIDDAEMON_DRYRUN=true` would leave
`dry_run` false and send real ballots during a rehearsal. Every such name, from the environment
or the `.env` file, becomes a configuration problem that suggests the closest real setting.

A few `BIDDAEMON_*` names belong to the tooling around biddaemon, not to biddaemon itself; they
are listed in `NOT_SETTINGS` and always accepted.
"""

from __future__ import annotations

import difflib
import typing
from collections.abc import Iterable, Mapping
from pathlib import Path

from pydantic import BaseModel

NOT_SETTINGS = frozenset(
    {
        "BIDDAEMON_TEST_POSTGRES_URL",  # the test suite's PostgreSQL server (tests/conftest.py)
        "BIDDAEMON_IMAGE",  # the image deploy/docker-compose.yml runs
        "BIDDAEMON_MAX_EXPOSURE",  # the systemd hardening limit of .ci/deploy-checks
    }
)


def setting_names(model: type[BaseModel], prefix: str, delimiter: str) -> tuple[set[str], set[str]]:
    """(every variable that names a setting, prefixes under which any key is a setting)."""
    names: set[str] = set()
    open_prefixes: set[str] = set()
    for field_name, field in model.model_fields.items():
        name = f"{prefix}{field_name.upper()}"
        names.add(name)  # a nested model may also be given whole, as JSON
        annotation = field.annotation
        if isinstance(annotation, type) and issubclass(annotation, BaseModel):
            inner, inner_open = setting_names(annotation, name + delimiter, delimiter)
            names |= inner
            open_prefixes |= inner_open
        elif typing.get_origin(annotation) is dict:
            open_prefixes.add(name + delimiter)
    return names, open_prefixes


def unknown_variables(
    model: type[BaseModel],
    *,
    prefix: str,
    delimiter: str,
    environ: Mapping[str, str],
    env_file: Path,
) -> dict[str, str]:
    """A problem for each `prefix*` name in `environ` or `env_file` that is not a setting."""
    names, open_prefixes = setting_names(model, prefix, delimiter)
    found: dict[str, str] = {}
    for name, where in _candidates(environ, env_file, prefix):
        upper = name.upper()
        if upper in names or upper in NOT_SETTINGS or upper.startswith(tuple(open_prefixes)):
            continue
        # Compared without the prefix, which every name shares and would make anything "close".
        tails = sorted(known.removeprefix(prefix) for known in names)
        close = difflib.get_close_matches(upper.removeprefix(prefix), tails, n=1, cutoff=0.6)
        hint = f"did you mean {prefix}{close[0]}?" if close else "see `biddaemon config`"
        found[name] = f"is not a biddaemon setting{where}; {hint}"
    return found


def _candidates(
    environ: Mapping[str, str], env_file: Path, prefix: str
) -> Iterable[tuple[str, str]]:
    for name in environ:
        if name.upper().startswith(prefix):
            yield name, ""
    if env_file.is_file():
        from dotenv import dotenv_values

        for name in dotenv_values(env_file):
            if name.upper().startswith(prefix) and name not in environ:
                yield name, f" (in {env_file})"

"""LocalFlex as a target: assets and portfolios, found by the mrid derived from the reference."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from biddaemon.inventory.canonical import Platform
from biddaemon.inventory.desired import Desired
from biddaemon.inventory.platforms.localflex import mapping
from biddaemon.inventory.target import Observed, Retirement
from biddaemon.markets.localflex import AssetView, LocalFlexClient


def describe_approval(view: AssetView) -> str:
    def said(value: bool | None) -> str:
        return "unknown" if value is None else "yes" if value else "no"

    return f"approved by SO: {said(view.so_approved)}, by EPEX: {said(view.mo_approved)}"


class LocalFlexTarget:
    platform = Platform.LOCALFLEX
    unreturned: frozenset[str] = frozenset()

    def __init__(self, client: LocalFlexClient) -> None:
        self.client = client

    def __repr__(self) -> str:
        return f"LocalFlexTarget({self.client!r})"

    def observe(self, wanted: Desired) -> Observed | None:
        key = _key(wanted)
        if wanted.kind == mapping.PORTFOLIO:
            portfolio = self.client.get_portfolio(key)
            if portfolio is None:
                return None
            return Observed(key, mapping.observed_portfolio_fields(portfolio), record=portfolio)
        view = self.client.get_asset(key)
        if view is None:
            return None
        return Observed(
            key, mapping.observed_fields(view), approval=describe_approval(view), record=view
        )

    def create(self, wanted: Desired) -> str:
        if wanted.kind == mapping.PORTFOLIO:
            return self.client.create_portfolio(mapping.portfolio_create_body(wanted)).mrid
        return self.client.create_asset(mapping.asset_create_body(wanted)).asset.mrid

    def update(self, wanted: Desired, current: Observed, changed: Mapping[str, Any]) -> None:
        if wanted.kind == mapping.PORTFOLIO:
            self.client.update_portfolio(current.remote_id, mapping.portfolio_update_body(changed))
        else:
            self.client.update_asset(current.remote_id, mapping.asset_update_body(changed))

    def show(self, name: str, value: Any) -> str:
        return mapping.show(name, value)

    def resets_approval(self, kind: str, name: str) -> bool:
        return kind == mapping.ASSET and mapping.resets_approval(name)

    def retirement(self, kind: str) -> Retirement:
        return Retirement(False, "LocalFlex documents no way to delete an asset; left as it is")

    def retire(self, kind: str, remote_id: str) -> None:
        raise NotImplementedError("LocalFlex documents no delete")


def _key(wanted: Desired) -> str:
    if wanted.key is None:
        raise ValueError(f"{wanted.ref}: a LocalFlex record needs its mrid")
    return wanted.key

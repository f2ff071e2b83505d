"""Mirroring converges on every platform: after an apply the plan is empty and the scheduled
sync writes nothing; a change made on a platform by someone else is drift, shown with both
values and overwritten only by `assets apply`; an asset gone from the file is retired only by
`apply --prune`, where the platform allows. Over real HTTP against the sandbox's stand-ins."""

from __future__ import annotations

import dataclasses

import pytest

from biddaemon.inventory.apply import apply_plan
from biddaemon.inventory.plan import Action
from biddaemon.inventory.platforms.localflex.mapping import asset_mrid
from biddaemon.inventory.render import render_plan
from biddaemon.inventory.sync import planned, run_inventory_sync
from tests.inventory.conftest import INVENTORY

BESS = "bess-dunfermline-1"
WRITES = ("POST", "PATCH", "PUT", "DELETE")
STAND_INS = ("/localflex/", "/flatpeak/", "/tensor/")  # served beside the market
PLATFORMS = ("piclo", "localflex", "flatpeak")


def only_on(platform: str) -> str:
    """The inventory with just the battery, mirrored to one platform."""
    battery = INVENTORY.split("  - ref: pv-kirkcaldy-2")[0]
    return battery.replace("platforms: [piclo, localflex, flatpeak]", f"platforms: [{platform}]")


def writes(piclo, localflex, flatpeak) -> list[tuple[str, str]]:
    """Every request that changed something on any platform (a Piclo login changes nothing)."""
    market = [
        (r.method, r.path)
        for r in piclo.traffic.records()
        if not r.path.startswith(STAND_INS) and r.method in WRITES and r.path != "/authtoken/v1/"
    ]
    return (
        market
        + [(c.method, "/localflex" + c.path) for c in localflex.faults.writes()]
        + [(c.method, "/flatpeak" + c.path) for c in flatpeak.faults.writes()]
    )


def forget(piclo, localflex, flatpeak) -> None:
    piclo.traffic.clear()
    localflex.faults.forget_calls()
    flatpeak.faults.forget_calls()


def assets_apply(settings, factory, *, prune: bool = False):
    """What `biddaemon assets apply --yes [--prune]` does."""
    with planned(settings, factory) as made:
        return made.plan, apply_plan(
            made.plan,
            made.targets,
            factory,
            allow_approval_reset=True,
            overwrite_drift=True,
            prune=prune,
            links=made.links,
        )


def plan_of(settings, factory):
    with planned(settings, factory) as made:
        return made.plan


def portal_change(platform: str, piclo, localflex, flatpeak) -> tuple[str, str, str]:
    """Someone renames the battery (or its make) on the platform's own portal; returns the
    field as the plan names it, the platform's new value and ours, as the plan shows them."""
    if platform == "piclo":
        [flex] = piclo.market.flex_assets(BESS)
        piclo.market.update_flex_asset(
            flex.id, lambda asset, _now: dataclasses.replace(asset, name="Renamed on Piclo")
        )
        return "name", "Renamed on Piclo", "Dunfermline BESS 1"
    if platform == "localflex":
        localflex.change_asset(asset_mrid(BESS), name="Renamed on LocalFlex")
        return "name", "Renamed on LocalFlex", "Dunfermline BESS 1"
    [device] = flatpeak.devices()
    flatpeak.change_device(device["id"], manufacturer="Someone Else Ltd")
    return "manufacturer", "Someone Else Ltd", "Nova Systems"


def held_value(platform: str, piclo, localflex, flatpeak) -> str:
    if platform == "piclo":
        return piclo.market.flex_assets(BESS)[0].name
    if platform == "localflex":
        return localflex.asset(asset_mrid(BESS))["name"]
    return flatpeak.devices()[0]["manufacturer"]


@pytest.mark.parametrize("platform", PLATFORMS)
def test_after_an_apply_the_plan_is_empty_and_the_scheduled_sync_writes_nothing(
    platform, make_settings, factory, piclo, localflex, flatpeak
):
    settings = make_settings(only_on(platform))
    _plan, report = assets_apply(settings, factory)
    assert report.ok
    assert len(report.applied) == 1
    forget(piclo, localflex, flatpeak)

    again = plan_of(settings, factory)
    assert [s.action for s in again.steps] == [Action.UNCHANGED] * len(again.steps)
    assert again.writes == ()

    scheduled = run_inventory_sync(settings, factory)
    assert scheduled.ok
    assert writes(piclo, localflex, flatpeak) == []
    assert scheduled.applied.applied == ()
    assert scheduled.applied.rows_written == 0


def test_flatpeak_never_returns_the_device_type_so_it_is_compared_with_what_was_sent(
    make_settings, factory, piclo, localflex, flatpeak
):
    settings = make_settings(only_on("flatpeak"))
    assets_apply(settings, factory)
    [device] = flatpeak.devices()
    assert "type" not in device
    assert flatpeak.device_type(device["id"]) == "BATTERY_SYSTEM"
    assert plan_of(settings, factory).writes == ()
    forget(piclo, localflex, flatpeak)

    solar = make_settings(
        only_on("flatpeak").replace("technology: battery", "technology: solar_pv")
    )
    plan, report = assets_apply(solar, factory)
    assert report.ok

    [step] = plan.steps
    assert [(c.field, c.old, c.new) for c in step.changes] == [
        ("type", "(not returned; last sent BATTERY_SYSTEM)", "PV_SYSTEM")
    ]
    assert writes(piclo, localflex, flatpeak) == [("PATCH", f"/flatpeak/devices/{device['id']}")]
    assert flatpeak.device_type(device["id"]) == "PV_SYSTEM"
    assert plan_of(solar, factory).writes == ()


@pytest.mark.parametrize("platform", PLATFORMS)
def test_a_change_made_on_the_platform_is_drift_that_only_assets_apply_overwrites(
    platform, make_settings, factory, piclo, localflex, flatpeak
):
    settings = make_settings(only_on(platform))
    assets_apply(settings, factory)
    field, theirs, ours = portal_change(platform, piclo, localflex, flatpeak)
    forget(piclo, localflex, flatpeak)

    plan = plan_of(settings, factory)
    [step] = [s for s in plan.steps if s.ref == BESS]
    assert step.action is Action.UPDATE
    assert [(c.field, c.old, c.new, c.drift) for c in step.changes] == [(field, theirs, ours, True)]
    text = render_plan(plan)
    assert f"{field}: {theirs} -> {ours}" in text
    assert f"[drift: changed on {platform}; only `assets apply` overwrites it]" in text

    scheduled = run_inventory_sync(settings, factory)
    assert writes(piclo, localflex, flatpeak) == []
    assert [(d.step.ref, d.fields) for d in scheduled.applied.drifted] == [(BESS, (field,))]
    assert held_value(platform, piclo, localflex, flatpeak) == theirs

    _plan, report = assets_apply(settings, factory)
    assert report.ok
    assert len(writes(piclo, localflex, flatpeak)) == 1
    assert held_value(platform, piclo, localflex, flatpeak) == ours
    assert plan_of(settings, factory).writes == ()


def without_the_battery() -> str:
    return "assets:\n  - ref: pv-kirkcaldy-2" + INVENTORY.split("  - ref: pv-kirkcaldy-2")[1]


def test_prune_retires_a_removed_asset_on_piclo_and_flatpeak_and_reports_localflex(
    make_settings, factory, piclo, localflex, flatpeak
):
    assets_apply(make_settings(), factory)
    [flex] = piclo.market.flex_assets(BESS)
    [solar] = piclo.market.flex_assets("pv-kirkcaldy-2")
    [device] = flatpeak.devices()
    forget(piclo, localflex, flatpeak)
    removed = make_settings(without_the_battery())

    plan = plan_of(removed, factory)
    gone = {(s.platform.value, s.ref): s for s in plan.steps if s.action is Action.REMOVE}
    assert set(gone) == {("piclo", BESS), ("localflex", BESS), ("flatpeak", BESS)}
    assert [s.platform.value for s in plan.retirements] == ["piclo", "flatpeak"]
    text = render_plan(plan)
    assert f"  - {BESS}: remove flex asset {flex.id}" in text
    assert "gone from the inventory; `assets apply --prune` will set status archived" in text
    assert "gone from the inventory; `assets apply --prune` will delete the device" in text
    assert "LocalFlex documents no way to delete an asset; left as it is" in text

    # Neither the scheduled sync nor an apply without --prune retires anything.
    run_inventory_sync(removed, factory)
    assets_apply(removed, factory)
    assert writes(piclo, localflex, flatpeak) == []
    assert piclo.market.flex_assets(BESS)[0].status == "operational"

    _plan, report = assets_apply(removed, factory, prune=True)

    assert report.ok
    assert sorted(writes(piclo, localflex, flatpeak)) == [
        ("DELETE", f"/flatpeak/devices/{device['id']}"),
        ("PATCH", f"/assets/v1/{flex.id}/"),
    ]
    assert [(r.step.platform.value, r.step.ref) for r in report.retired] == [
        ("piclo", BESS),
        ("flatpeak", BESS),
    ]
    assert piclo.market.flex_assets(BESS)[0].status == "archived"
    assert piclo.market.flex_assets("pv-kirkcaldy-2")[0] == solar
    assert flatpeak.devices() == []
    assert localflex.asset(asset_mrid(BESS)) is not None

    after = plan_of(removed, factory)
    assert [(s.platform.value, s.ref) for s in after.removals] == [("localflex", BESS)]
    assert after.retirements == ()


def test_an_asset_back_in_the_file_after_prune_is_restored_by_the_scheduled_sync(
    make_settings, factory, piclo, localflex, flatpeak
):
    settings = make_settings(only_on("piclo"))
    assets_apply(settings, factory)
    assets_apply(make_settings(without_the_battery()), factory, prune=True)
    assert piclo.market.flex_assets(BESS)[0].status == "archived"
    settings = make_settings(only_on("piclo"))  # the battery is back in the file

    plan = plan_of(settings, factory)
    [step] = [s for s in plan.steps if s.ref == BESS]
    assert [(c.field, c.old, c.new, c.drift) for c in step.changes] == [
        ("status", "archived", "operational", False)
    ]
    run_inventory_sync(settings, factory)
    assert piclo.market.flex_assets(BESS)[0].status == "operational"
    assert plan_of(settings, factory).writes == ()

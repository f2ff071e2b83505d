"""End to end over real HTTP: the Piclo sandbox and the LocalFlex, Flatpeak and Tensor
simulators on loopback, a migrated SQLite database, `run_inventory_sync` and `planned`."""

from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy import func, select

from biddaemon.errors import CredentialsRefused, RetryLater
from biddaemon.inventory.file import InventoryFileInvalid
from biddaemon.inventory.plan import Action
from biddaemon.inventory.platforms.localflex.mapping import asset_mrid, portfolio_mrid
from biddaemon.inventory.render import render_plan
from biddaemon.inventory.sync import planned, run_inventory_sync
from biddaemon.sandbox.platforms import error_envelope, rate_limit_body
from biddaemon.store.models import InventoryAsset, PlatformAssetLink
from tests.inventory.conftest import INVENTORY
from tests.inventory.support import fixture_doc

WRITES = ("POST", "PATCH", "PUT", "DELETE")
STAND_INS = ("/localflex/", "/flatpeak/", "/tensor/")  # served beside the market
BESS = "bess-dunfermline-1"


def piclo_records(piclo):
    """The requests the Piclo market received (the stand-ins log theirs with their prefix)."""
    return [r for r in piclo.traffic.records() if not r.path.startswith(STAND_INS)]


def piclo_writes(piclo):
    """Calls that change the market (a login is a POST that does not)."""
    return [
        (r.method, r.path)
        for r in piclo_records(piclo)
        if r.method in WRITES and r.path != "/authtoken/v1/"
    ]


def all_writes(piclo, localflex, flatpeak):
    return (
        piclo_writes(piclo)
        + [(c.method, c.path) for c in localflex.faults.writes()]
        + [(c.method, c.path) for c in flatpeak.faults.writes()]
    )


def forget_calls(piclo, localflex, flatpeak):
    piclo.traffic.clear()
    localflex.faults.forget_calls()
    flatpeak.faults.forget_calls()


def count(factory, model):
    with factory() as session:
        return session.scalar(select(func.count()).select_from(model))


def links(factory):
    with factory() as session:
        rows = session.execute(
            select(
                InventoryAsset.ref,
                PlatformAssetLink.platform,
                PlatformAssetLink.remote_kind,
                PlatformAssetLink.remote_id,
            ).join(InventoryAsset)
        ).all()
    return {(ref, platform): (kind, remote_id) for ref, platform, kind, remote_id in rows}


def test_plan_reads_every_platform_and_writes_nothing(
    make_settings, factory, piclo, localflex, flatpeak
):
    with planned(make_settings()) as (plan, _targets):
        pass
    assert [(s.platform.value, s.ref, s.action) for s in plan.steps] == [
        ("piclo", BESS, Action.CREATE),
        ("piclo", "pv-kirkcaldy-2", Action.CREATE),
        ("piclo", "bess-rosyth-planned", Action.CREATE),
        ("localflex", "fife-storage", Action.CREATE),
        ("localflex", BESS, Action.CREATE),
        ("flatpeak", BESS, Action.CREATE),
    ]
    assert all_writes(piclo, localflex, flatpeak) == []
    assert count(factory, InventoryAsset) == 0


def test_apply_creates_every_record_and_stores_every_remote_id(
    make_settings, factory, piclo, localflex, flatpeak
):
    report = run_inventory_sync(make_settings(), factory)

    assert report.ok
    assert len(report.applied.applied) == 6
    [flex] = piclo.market.flex_assets(BESS)
    [solar] = piclo.market.flex_assets("pv-kirkcaldy-2")
    [planned_asset] = piclo.market.planned_assets("bess-rosyth-planned")
    [device] = flatpeak.devices()
    assert links(factory) == {
        (BESS, "piclo"): ("flex_asset", flex.id),
        ("pv-kirkcaldy-2", "piclo"): ("flex_asset", solar.id),
        ("bess-rosyth-planned", "piclo"): ("planned_asset", planned_asset.id),
        (BESS, "localflex"): ("asset", asset_mrid(BESS)),
        (BESS, "flatpeak"): ("device", device["id"]),
    }
    # Units crossed each boundary explicitly: MW on Piclo and LocalFlex, kW on Flatpeak.
    assert flex.active_export_capacity == Decimal("2.000")
    assert flex.response_time == "00:15:00"
    assert planned_asset.competition_reference == "SPEN-2027-FIFE"
    lf = localflex.asset(asset_mrid(BESS))
    assert (lf["flexibleCapacityUp"], lf["flexibleCapacityUpUnit"]) == (2, "MW")
    assert (lf["rampRateUp"], lf["rampRateUpUnit"]) == (500, "kW/min")
    assert lf["responseTimeDuration"] == "PT15M"
    assert device["properties"]["power_rating_export_kwh"] == 2000
    assert device["properties"]["capacity_kwh"] == 4000
    assert localflex.portfolio(portfolio_mrid("fife-storage"))["autoAssignAsset"] is True
    with factory() as session:
        row = session.scalar(select(InventoryAsset).where(InventoryAsset.ref == BESS))
        assert row.export_mw == Decimal("2.000")
        assert row.details["canonical"]["response_time"] == "PT15M"


def test_a_second_apply_with_nothing_changed_writes_nothing(
    make_settings, factory, piclo, localflex, flatpeak
):
    settings = make_settings()
    run_inventory_sync(settings, factory)
    forget_calls(piclo, localflex, flatpeak)

    again = run_inventory_sync(settings, factory)

    assert again.ok
    assert all_writes(piclo, localflex, flatpeak) == []
    assert again.applied.applied == ()
    assert again.applied.rows_written == 0
    assert again.plan.counts()[Action.UNCHANGED] == 6


def test_an_export_change_patches_piclo_and_localflex_and_warns_of_the_approval_reset(
    make_settings, factory, piclo, localflex, flatpeak
):
    run_inventory_sync(make_settings(), factory)
    mrid = asset_mrid(BESS)
    localflex.approve(mrid)
    forget_calls(piclo, localflex, flatpeak)
    changed = make_settings(INVENTORY.replace('export_mw: "2.000"', 'export_mw: "2.500"'))

    with planned(changed) as (plan, _targets):
        pass
    updates = {(s.platform.value, s.ref): s for s in plan.steps if s.action is Action.UPDATE}
    assert set(updates) == {("piclo", BESS), ("localflex", BESS), ("flatpeak", BESS)}
    piclo_change = updates["piclo", BESS].changes
    assert [(c.field, c.old, c.new) for c in piclo_change] == [
        ("active_export_capacity", "2.000 MW", "2.500 MW")
    ]
    localflex_step = updates["localflex", BESS]
    assert [(c.field, c.old, c.new, c.resets_approval) for c in localflex_step.changes] == [
        ("flexibleCapacityUp", "2 MW", "2.500 MW", True)
    ]
    assert localflex_step.resets_approval
    assert not updates["piclo", BESS].resets_approval
    text = render_plan(plan)
    assert "flexibleCapacityUp: 2 MW -> 2.500 MW  [resets approval]" in text
    assert "WARNING: changing flexibleCapacityUp resets this asset's approval on LocalFlex" in text
    assert "(approved by SO: yes, by EPEX: yes)" in text

    # The scheduled job patches Piclo and Flatpeak, and holds the LocalFlex change back.
    scheduled = run_inventory_sync(changed, factory)
    [flex] = piclo.market.flex_assets(BESS)
    assert flex.active_export_capacity == Decimal("2.500")
    assert piclo_writes(piclo) == [("PATCH", f"/assets/v1/{flex.id}/")]
    assert [h.fields for h in scheduled.applied.held] == [("flexibleCapacityUp",)]
    assert localflex.faults.writes() == []
    assert localflex.approvals(mrid) == (True, True)
    assert flatpeak.devices()[0]["properties"]["power_rating_export_kwh"] == 2500

    # Allowed, the PATCH goes out and LocalFlex withdraws the approval.
    forget_calls(piclo, localflex, flatpeak)
    allowed = run_inventory_sync(changed, factory, allow_approval_reset=True)
    assert allowed.ok
    assert [(c.method, c.path) for c in localflex.faults.writes()] == [("PATCH", f"/asset/{mrid}")]
    assert localflex.asset(mrid)["flexibleCapacityUp"] == 2.5
    assert localflex.approvals(mrid) == (False, False)
    assert piclo_writes(piclo) == []


def test_a_held_update_still_sends_the_fields_that_keep_the_approval(
    make_settings, factory, localflex
):
    run_inventory_sync(make_settings(), factory)
    mrid = asset_mrid(BESS)
    localflex.approve(mrid)
    localflex.faults.forget_calls()
    text = INVENTORY.replace('export_mw: "2.000"', 'export_mw: "3.000"').replace(
        "name: Dunfermline BESS 1", "name: Dunfermline Battery 1"
    )

    report = run_inventory_sync(make_settings(text), factory)

    assert [(c.method, c.path) for c in localflex.faults.writes()] == [("PATCH", f"/asset/{mrid}")]
    assert localflex.asset(mrid)["name"] == "Dunfermline Battery 1"
    assert localflex.asset(mrid)["flexibleCapacityUp"] == 2
    assert localflex.approvals(mrid) == (True, True)
    [held] = report.applied.held
    assert held.fields == ("flexibleCapacityUp",)


def test_a_tensor_error_envelope_is_reported_and_nothing_is_lost_or_written(
    make_settings, factory, piclo, localflex, flatpeak, tensor
):
    [plant] = fixture_doc("tensor/assets_response.json")["data"]
    tensor.add_asset(plant)
    overlay = INVENTORY.replace(
        "localflex:\n  portfolios:",
        f"""\
  - ref: {plant["id"]}
    technology: solar_pv
    voltage_kv: "6.60"
    export_mw: "1.200"
    platforms: [piclo]
localflex:
  portfolios:""",
    )
    settings = make_settings(overlay, sources=("tensor",))
    first = run_inventory_sync(settings, factory)
    assert first.ok
    [imported] = piclo.market.flex_assets(plant["id"])
    assert (imported.name, imported.status, imported.country_code) == (
        "Demo asset",
        "in_development",
        "JP",
    )
    assert imported.latitude == Decimal("38.543000")
    before = links(factory)
    forget_calls(piclo, localflex, flatpeak)
    body = fixture_doc("tensor/error_response.json")
    tensor.faults.inject("GET", "/v1/assets", status=500, body=body, times=2)

    with pytest.raises(RetryLater) as raised:
        run_inventory_sync(settings, factory)

    assert "internal_server_error: something went wrong during the process" in str(raised.value)
    assert all_writes(piclo, localflex, flatpeak) == []
    assert links(factory) == before
    assert count(factory, InventoryAsset) == 4


def test_a_tensor_error_envelope_with_a_success_status_is_still_an_error(
    make_settings, factory, piclo, tensor
):
    tensor.faults.inject(
        "GET", "/v1/assets", status=200, body=error_envelope("not_authorized", "key revoked")
    )
    with pytest.raises(CredentialsRefused) as raised:
        run_inventory_sync(make_settings(sources=("tensor",)), factory)
    assert "BIDDAEMON_INVENTORY__TENSOR__API_KEY" in str(raised.value)
    assert "key revoked" in str(raised.value)
    assert piclo_writes(piclo) == []


def test_a_flatpeak_429_is_reported_and_everything_applied_before_it_is_kept(
    make_settings, factory, piclo, localflex, flatpeak
):
    flatpeak.faults.inject(
        "POST", "/devices", status=429, body=rate_limit_body(), headers={"Retry-After": "3600"}
    )
    settings = make_settings()

    report = run_inventory_sync(settings, factory)

    assert not report.ok
    [failed] = report.applied.failed
    assert (failed.step.platform.value, failed.step.ref, failed.error) == (
        "flatpeak",
        BESS,
        "RateLimited",
    )
    assert "asked to wait 3600 s" in failed.message
    assert flatpeak.devices() == []
    stored = links(factory)
    assert {platform for _ref, platform in stored} == {"piclo", "localflex"}
    assert len(stored) == 4

    forget_calls(piclo, localflex, flatpeak)
    retried = run_inventory_sync(settings, factory)
    assert retried.ok
    assert all_writes(piclo, localflex, flatpeak) == [("POST", "/devices")]
    assert links(factory)[BESS, "flatpeak"] == ("device", flatpeak.devices()[0]["id"])


def test_a_flatpeak_429_while_reading_leaves_flatpeak_out_and_syncs_the_others(
    make_settings, factory, piclo, localflex, flatpeak
):
    flatpeak.faults.inject(
        "GET", "/devices", status=429, body=rate_limit_body(), headers={"Retry-After": "600"}
    )

    report = run_inventory_sync(make_settings(), factory)

    [problem] = report.plan.problems
    assert (problem.platform.value, problem.error, problem.stopped) == (
        "flatpeak",
        "RateLimited",
        True,
    )
    assert "asked to wait 600 s" in problem.message
    assert not report.ok
    assert len(piclo_writes(piclo)) == 3
    assert len(localflex.faults.writes()) == 2
    assert flatpeak.faults.writes() == []


def test_a_short_retry_after_is_waited_for_and_the_read_repeated(make_settings, factory, flatpeak):
    flatpeak.faults.inject(
        "GET", "/devices", status=429, body=rate_limit_body(), headers={"Retry-After": "1"}
    )

    report = run_inventory_sync(make_settings(), factory)

    assert report.ok
    reads = [c for c in flatpeak.faults.calls if (c.method, c.path) == ("GET", "/devices")]
    assert [c.status for c in reads] == [429, 200]


def test_a_refused_localflex_token_is_named_and_the_other_platforms_still_sync(
    make_settings, factory, piclo, localflex, flatpeak
):
    settings = make_settings()
    localflex.token = "rotated-on-the-platform"

    report = run_inventory_sync(settings, factory)

    [problem] = report.plan.problems
    assert (problem.platform.value, problem.error) == ("localflex", "CredentialsRefused")
    assert "BIDDAEMON_INVENTORY__LOCALFLEX__TOKEN" in problem.message
    assert "Access token is missing or invalid" in problem.message
    assert "lf-test-token" not in problem.message
    assert [c.status for c in localflex.faults.calls] == [401]  # no retry of a refused token
    assert len(piclo_writes(piclo)) == 3
    assert len(flatpeak.devices()) == 1


def test_a_localflex_422_skips_that_record_only(make_settings, factory, localflex):
    problems = {
        "result": [
            {"loc": ["body", "flexibleCapacityUp"], "msg": "exceeds the connection", "type": "x"}
        ],
        "status": False,
        "code": 422,
    }
    localflex.faults.inject("POST", "/asset", status=422, body=problems)

    report = run_inventory_sync(make_settings(), factory)

    [failed] = report.applied.failed
    assert (failed.step.ref, failed.error, failed.stopped) == (BESS, "RejectedByMarket", False)
    assert "flexibleCapacityUp: exceeds the connection" in failed.message
    assert localflex.portfolio(portfolio_mrid("fife-storage")) is not None
    assert (BESS, "localflex") not in links(factory)
    assert (BESS, "flatpeak") in links(factory)


def test_a_flatpeak_device_imported_and_mirrored_back_is_unchanged(
    make_settings, factory, flatpeak, localflex
):
    device = fixture_doc("flatpeak/device_create_request.json")
    flatpeak.add_device(device)
    # The documented device object has no `type`, so the file says what the device is.
    text = """\
assets:
  - ref: DEV1234567890
    name: Home battery 12
    technology: battery
    status: operational
    postcode: TR10 8AA
    platforms: [flatpeak, localflex]
    localflex: {market_products: [active_power_60m]}
"""
    settings = make_settings(text, sources=("flatpeak",))

    with planned(settings) as (plan, _targets):
        pass

    steps = {s.platform.value: s for s in plan.steps}
    assert steps["flatpeak"].action is Action.UNCHANGED
    created = {c.field: c.new for c in steps["localflex"].changes}
    assert created["assetType"] == "Storage"
    assert created["flexibleCapacityUp"] == "0.007 MW"  # 7 kW
    assert created["flexibleCapacityDown"] == "0.0142 MW"  # 14.2 kW, exactly
    assert created["usabilityCapacity"] == "0.123 MWh"


def test_a_file_with_several_mistakes_is_refused_before_anything_is_read_or_written(
    make_settings, factory, piclo, localflex, flatpeak, tensor
):
    text = (
        INVENTORY.replace("technology: solar_pv", "technology: solar")
        .replace('export_mw: "1.000"', 'export_mw: "-1"')
        .replace("response_time: PT15M", "response_time: 15")
    )
    settings = make_settings(text, sources=("tensor",))

    with pytest.raises(InventoryFileInvalid) as raised:
        run_inventory_sync(settings, factory)

    message = str(raised.value)
    assert "has 3 problems" in message
    assert "assets[0] (bess-dunfermline-1) response_time:" in message
    assert "assets[1] (pv-kirkcaldy-2) technology:" in message
    assert "assets[2] (bess-rosyth-planned) export_mw:" in message
    assert piclo_records(piclo) == []
    assert localflex.faults.calls == flatpeak.faults.calls == tensor.faults.calls == []
    assert count(factory, InventoryAsset) == 0


def test_a_dry_run_plans_and_writes_nothing(make_settings, factory, piclo, localflex, flatpeak):
    settings = make_settings().model_copy(update={"dry_run": True})

    report = run_inventory_sync(settings, factory)

    assert report.dry_run
    assert report.applied is None
    assert report.plan.counts()[Action.CREATE] == 6
    assert all_writes(piclo, localflex, flatpeak) == []
    assert count(factory, InventoryAsset) == 0


def test_what_a_platform_cannot_take_is_unsupported_with_the_reason(
    make_settings, factory, localflex, flatpeak
):
    text = INVENTORY.replace(
        "    localflex:\n      market_products: [active_power_30m]\n", "    localflex:\n"
    ).replace("      location_ids: [loc_641b90b758fb8e6293716e40]\n", "")

    report = run_inventory_sync(make_settings(text), factory)

    unsupported = {
        s.platform.value: s.wanted.unsupported
        for s in report.plan.steps
        if s.action is Action.UNSUPPORTED
    }
    assert unsupported == {
        "localflex": "set localflex.market_products (the products the asset offers)",
        "flatpeak": "set flatpeak.location_ids (Flatpeak places a device at a location id)",
    }
    assert [c.path for c in localflex.faults.writes()] == ["/portfolio"]
    assert flatpeak.faults.writes() == []
    assert report.ok


def test_a_platform_listed_but_not_enabled_is_noted(make_settings, factory, flatpeak):
    settings = make_settings(flatpeak={"enabled": False})

    report = run_inventory_sync(settings, factory)

    assert any(
        "1 record(s) list flatpeak, which is not enabled (BIDDAEMON_INVENTORY__FLATPEAK__ENABLED)"
        in note
        for note in report.plan.notes
    )
    assert flatpeak.faults.calls == []


def test_a_commissioned_planned_asset_becomes_a_flex_asset_and_its_link_moves(
    make_settings, factory, piclo
):
    settings = make_settings()
    run_inventory_sync(settings, factory)
    [planned_asset] = piclo.market.planned_assets("bess-rosyth-planned")
    assert links(factory)["bess-rosyth-planned", "piclo"] == ("planned_asset", planned_asset.id)
    commissioned = INVENTORY.replace("status: planned", "status: operational").replace(
        "    platforms: [piclo]\n    piclo:",
        "    postcode: KY11 2XX\n    platforms: [piclo]\n    piclo:",
    )

    report = run_inventory_sync(make_settings(commissioned), factory)

    assert report.ok
    [flex] = piclo.market.flex_assets("bess-rosyth-planned")
    assert flex.status == "operational"
    assert links(factory)["bess-rosyth-planned", "piclo"] == ("flex_asset", flex.id)

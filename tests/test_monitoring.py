"""The Grafana dashboard and the Prometheus alert rules: well-formed, about metrics that exist,
and each alert explained in docs/operations.md.

`promtool check rules` runs when Prometheus's tools are installed (Debian's `prometheus`); in CI
(CI=true) a missing promtool fails the test instead of skipping it.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml
from prometheus_client.core import Metric

from biddaemon import metrics

ROOT = Path(__file__).parents[1]
DASHBOARD = ROOT / "deploy" / "grafana" / "biddaemon.json"
SCHEMA = ROOT / "deploy" / "grafana" / "dashboard.schema.json"
ALERTS = ROOT / "deploy" / "prometheus" / "alerts.yml"
OPERATIONS = ROOT / "docs" / "operations.md"
METRIC = re.compile(r"\bbiddaemon_[a-z_]+\b")
SUFFIXES = {"counter": ("_total",), "histogram": ("_bucket", "_sum", "_count"), "gauge": ("",)}


def exposed_names() -> set[str]:
    """Every series name /metrics can show, the database-read collector's included."""
    families: list[Metric] = list(metrics.REGISTRY.collect())
    families += list(metrics.BallotStateCollector(lambda: {"unknown": 1}, lambda: 5.0).collect())
    return {family.name + suffix for family in families for suffix in SUFFIXES[family.type]}


def _rules() -> list[dict[str, Any]]:
    document = yaml.safe_load(ALERTS.read_text())
    return [rule for group in document["groups"] for rule in group["rules"]]


def test_the_grafana_dashboard_matches_the_schema_it_relies_on() -> None:
    dashboard = json.loads(DASHBOARD.read_text())
    jsonschema.validate(dashboard, json.loads(SCHEMA.read_text()))
    ids = [panel["id"] for panel in dashboard["panels"]]
    assert len(ids) == len(set(ids))
    for panel in dashboard["panels"]:
        grid = panel["gridPos"]
        assert grid["x"] + grid["w"] <= 24, panel["title"]


def test_the_schema_refuses_a_panel_without_a_query() -> None:
    dashboard = json.loads(DASHBOARD.read_text())
    dashboard["panels"][0]["targets"] = []
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(dashboard, json.loads(SCHEMA.read_text()))


def test_the_dashboard_shows_what_operators_asked_for_over_metrics_that_exist() -> None:
    exprs = [t["expr"] for p in json.loads(DASHBOARD.read_text())["panels"] for t in p["targets"]]
    used = {name for expr in exprs for name in METRIC.findall(expr)}
    assert used <= exposed_names(), used - exposed_names()
    for wanted in (
        "biddaemon_polls_total",
        "biddaemon_ballots",
        "biddaemon_ballot_submissions_total",
        "biddaemon_bid_outcomes_total",
        "biddaemon_market_request_seconds_bucket",
        "biddaemon_job_last_success_timestamp_seconds",
    ):
        assert wanted in used, wanted


def test_every_alert_is_about_metrics_that_exist_and_says_what_to_do() -> None:
    rules = _rules()
    names = {rule["alert"] for rule in rules}
    assert {
        "BiddaemonJobLate",
        "BiddaemonBallotUnknown",
        "BiddaemonBallotRejected",
        "BiddaemonMarketErrorsRising",
        "BiddaemonStandbyMissing",
    } <= names
    docs = OPERATIONS.read_text()
    for rule in rules:
        used = set(METRIC.findall(rule["expr"]))
        assert used <= exposed_names(), (rule["alert"], used - exposed_names())
        assert rule["annotations"]["summary"].strip()
        assert rule["annotations"]["what_to_do"].strip()
        assert f"### {rule['alert']}\n" in docs, f"docs/operations.md explains {rule['alert']}"
        assert rule["annotations"]["runbook"] == f"docs/operations.md#{rule['alert'].lower()}"
    assert "deploy/prometheus/alerts.yml" in docs


def test_promtool_accepts_the_rules() -> None:
    promtool = shutil.which("promtool")
    if promtool is None:
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail("promtool is required in CI (apt-get install prometheus)")
        pytest.skip("promtool not installed (apt-get install prometheus); CI runs it")
    result = subprocess.run(
        [promtool, "check", "rules", str(ALERTS)], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stdout + result.stderr

"""The plan and the apply report as plain text, for a terminal or a log file.

One block per platform, one line per record (`+` create, `~` update, `=` unchanged,
`!` unsupported, `-` removed from the inventory), then its field changes (`old -> new`, drift
marked) and notes, so the operator reads exactly what will be sent before confirming.
"""

from __future__ import annotations

from biddaemon.inventory.apply import ApplyReport
from biddaemon.inventory.canonical import Platform
from biddaemon.inventory.plan import Action, Plan, Step

SYMBOL = {
    Action.CREATE: "+",
    Action.UPDATE: "~",
    Action.UNCHANGED: "=",
    Action.UNSUPPORTED: "!",
    Action.REMOVE: "-",
}


def _kind(kind: str) -> str:
    return kind.replace("_", " ")


def _step_lines(step: Step) -> list[str]:
    where = f" {step.remote_id}" if step.remote_id else ""
    head = f"  {SYMBOL[step.action]} {step.ref}: {step.action.value} {_kind(step.kind)}{where}"
    if step.current is not None and step.current.approval:
        head += f" ({step.current.approval})"
    lines = [head]
    if step.action is Action.UNSUPPORTED:
        lines.append(f"      cannot be mirrored: {step.wanted.unsupported}")
    if step.action is Action.REMOVE and step.retirement is not None:
        if step.retirement.possible:
            lines.append(
                f"      gone from the inventory; `assets apply --prune` will {step.retirement.what}"
            )
        else:
            lines.append(f"      gone from the inventory; {step.retirement.what}")
    for change in step.changes:
        if step.action is Action.CREATE:
            lines.append(f"      {change.field}: {change.new}")
            continue
        flag = "  [resets approval]" if change.resets_approval else ""
        if change.drift:
            flag += (
                f"  [drift: changed on {step.platform.value}; only `assets apply` overwrites it]"
            )
        lines.append(f"      {change.field}: {change.old} -> {change.new}{flag}")
    if step.resets_approval:
        fields = ", ".join(c.field for c in step.changes if c.resets_approval)
        lines.append(
            f"      WARNING: changing {fields} resets this asset's approval on LocalFlex; "
            "it must be approved again before it can trade"
        )
    lines.extend(f"      note: {note}" for note in step.notes)
    return lines


def render_plan(plan: Plan) -> str:
    assets = plan.inventory.assets
    sources = sorted({source.value for asset in assets for source in asset.sources})
    lines = [f"Inventory: {len(assets)} asset(s) from {', '.join(sources) or 'nothing'}"]
    for platform in Platform:
        steps = [step for step in plan.steps if step.platform is platform]
        problems = [p for p in plan.problems if p.platform is platform]
        if not steps and not problems:
            continue
        lines.append("")
        lines.append(platform.value)
        for step in steps:
            lines.extend(_step_lines(step))
        for problem in problems:
            what = f"{problem.ref}: " if problem.ref else ""
            rest = " (nothing more was read from it)" if problem.stopped else ""
            lines.append(f"  ? {what}could not read {platform.value}{rest}: {problem.message}")
    if plan.notes:
        lines.append("")
        lines.append("Notes")
        lines.extend(f"  - {note}" for note in plan.notes)
    lines.append("")
    lines.append(summary_line(plan))
    return "\n".join(lines)


def summary_line(plan: Plan) -> str:
    counts = plan.counts()
    parts = [
        f"{counts.get(Action.CREATE, 0)} to create",
        f"{counts.get(Action.UPDATE, 0)} to update",
        f"{counts.get(Action.UNCHANGED, 0)} unchanged",
        f"{counts.get(Action.UNSUPPORTED, 0)} unsupported",
    ]
    resets = len(plan.approval_resets)
    if resets:
        parts[1] += f" ({resets} resetting a LocalFlex approval)"
    if plan.drifts:
        parts[1] += f" ({len(plan.drifts)} with drift)"
    if plan.removals:
        parts.append(f"{len(plan.removals)} removed ({len(plan.retirements)} retirable)")
    text = "Plan: " + ", ".join(parts)
    if plan.problems:
        text += f"; {len(plan.problems)} could not be read"
    return text


def render_report(report: ApplyReport) -> str:
    lines: list[str] = []
    for applied in report.applied:
        step = applied.step
        done = "created" if step.action is Action.CREATE else "updated"
        fields = f" ({', '.join(applied.fields)})" if step.action is Action.UPDATE else ""
        lines.append(
            f"  {step.platform.value} {step.ref}: {done} {_kind(step.kind)} "
            f"{applied.remote_id}{fields}"
        )
    for held in report.held:
        step = held.step
        lines.append(
            f"  {step.platform.value} {step.ref}: held back {', '.join(held.fields)} (it would "
            "reset the approval; run `biddaemon assets apply` or set "
            "BIDDAEMON_INVENTORY__ALLOW_APPROVAL_RESET=true)"
        )
    for drifted in report.drifted:
        step = drifted.step
        lines.append(
            f"  {step.platform.value} {step.ref}: left {', '.join(drifted.fields)} as changed "
            "on the platform (drift; `biddaemon assets apply` overwrites it)"
        )
    for retired in report.retired:
        step = retired.step
        lines.append(
            f"  {step.platform.value} {step.ref}: retired {_kind(step.kind)} {step.remote_id}"
        )
    for failed in report.failed:
        step = failed.step
        rest = f" (stopped writing to {step.platform.value})" if failed.stopped else ""
        lines.append(
            f"  {step.platform.value} {step.ref}: {step.action.value} {_kind(step.kind)} "
            f"FAILED{rest}: {failed.message}"
        )
    for step in report.not_attempted:
        lines.append(
            f"  {step.platform.value} {step.ref}: {step.action.value} {_kind(step.kind)} not "
            "attempted; the next run will plan it again"
        )
    head = (
        f"Applied: {len(report.applied)} written, {len(report.held)} held, "
        f"{len(report.failed)} failed, {len(report.not_attempted)} not attempted"
    )
    if report.drifted:
        head += f", {len(report.drifted)} drift left"
    if report.retired:
        head += f", {len(report.retired)} retired"
    return "\n".join([head, *lines])

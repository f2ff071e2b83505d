"""One inventory of the FSP's fleet, mirrored to every platform: plan first, then apply.

    file.py              the fleet as the YAML file says it, by `ref`
    merge.py             one canonical asset per reference (file and imports), conflicts reported
    platforms/<name>/    one package per platform (Piclo, LocalFlex, Flatpeak, Tensor): its
                         mapping (canonical asset -> its records, units converted, what it
                         cannot express reported), target (reading and writing them through
                         its client) and source (its records -> facts), behind one
                         `PlatformModule`; `platforms/__init__.py` is the registry
    desired.py/target.py what a mapping produces and what a target offers
    connect.py           opening the configured targets and sources through the registry
    records.py           the inventory's rows, and what was last written on each platform
    plan.py / apply.py   the diff the user reads (drift and removals included), and carrying it out
    sync.py              the scheduled job's entry point, `run_inventory_sync`
    render.py            the plan as text

Nothing here bids; the bidding flow only reads the Piclo asset ids this package records.
"""

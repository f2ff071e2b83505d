"""One inventory of the FSP's fleet, mirrored to every platform: plan first, then apply.

    file.py / sources/   what the fleet is (the YAML file, Tensor Energy, Flatpeak), by `ref`
    merge.py             one canonical asset per reference, conflicts reported
    mapping/             canonical asset -> what each platform would hold (units converted,
                         values a platform cannot express reported)
    targets/             reading and writing each platform through its client
    plan.py / apply.py   the diff the user reads, and carrying it out
    sync.py              the scheduled job's entry point, `run_inventory_sync`
    render.py            the plan as text

Nothing here bids; the bidding flow only reads the Piclo asset ids this package records.
"""

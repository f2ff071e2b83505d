"""`biddaemon backtest`: strategies side by side on the same seeded market, against the limit.

Each strategy runs the real daemon (the same jobs, engine and ledger as `biddaemon run`) against
its own sandbox market, on its own fresh SQLite database, with the same seed, so every strategy
meets the same competitions, budgets and rival offers (the contested market of
`biddaemon.sandbox.contested`, where price and allocation matter). The simulation is the demo's
(`biddaemon.demo.drive`), unpaced. What each strategy did is then read back from its database
(`measure`), and the **limit** (`limit`) is what the same fleet could have earned with perfect
knowledge of every DSO's decision, solved with the portfolio programme.

    run.py     run the strategies, one after the other (biddaemon's clock is process-wide)
    measure.py the table's figures for one strategy, from its database
    limit.py   the most the fleet could have earned, from the market's own facts
    chart.py   accepted value over the simulated days, as an image (matplotlib, optional)
    estimate.py re-decide a recorded database with another strategy: expected value (estimate)
"""

"""Clients for the flexibility markets biddaemon bids into, one package per platform.

Every platform shares `biddaemon.markets.http` (retries, safe writes, timeouts, politeness),
`markets.failures` (what a failed call means) and `markets.json_body` (reading answers
defensively); each platform package adds its routes, wire models and error text.
"""

"""Clients for the flexibility markets biddaemon bids into, one package per platform.

`biddaemon.markets.http` holds the plumbing every platform shares (retries, safe writes,
timeouts, politeness); each platform package adds its routes, wire models and error text.
"""

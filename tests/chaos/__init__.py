"""Kill -9 loops against real biddaemon processes: `make chaos` in full, the suite a few."""

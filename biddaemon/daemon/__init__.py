"""The long-running process: instance lock, scheduler, health endpoint, signals, systemd."""

"""biddaemon: unattended, safe bidding into local flexibility markets for an FSP."""

__version__ = "0.1.0"

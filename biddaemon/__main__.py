"""`python -m biddaemon`: the same command as the installed `biddaemon`."""

import sys

from biddaemon.cli import main

if __name__ == "__main__":
    sys.exit(main())

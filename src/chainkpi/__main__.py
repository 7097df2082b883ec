import sys

from chainkpi.cli import main

sys.exit(main())

"""python -m wonderland.bench [WORKLOAD ...] [--quick] ...: the same as `wonderland bench`."""
import sys

from .command import main

sys.exit(main(sys.argv[1:]))

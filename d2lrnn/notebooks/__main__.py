"""``python -m d2lrnn.notebooks check|build PATH...``"""
import sys

from .cli import main

sys.exit(main())

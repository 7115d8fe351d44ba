"""nbval starts each chapter's kernel from this pytest process, so the kernel inherits its
environment: give it the one chapters/build.py used to produce the stored outputs."""
import importlib.util
import os
from pathlib import Path

_spec = importlib.util.spec_from_file_location("chapters_build", Path(__file__).with_name("build.py"))
_build = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(_build)
os.environ.update(_build.kernel_environment())

# moto in server mode for the tests, as `python3 -m moto.server` with the same arguments, with
# differences in cost, none in behaviour:
# - poc's launcher's cost patches (src/local/moto-launcher.py, apply_cost_patches), checked
#   against this moto first as `poc local start` checks them: moto's module list read once;
#   SQS's clock and retention read without passes over the queue per message; AWS's managed
#   policies (loaded when MOTO_IAM_LOAD_MANAGED_POLICIES is set) built once per process, not at
#   every reset (1-2 s of moto's CPU per reset in the files that grade labs attaching them).
# - No line per request on stderr, which the tests' processes read: errors are still written.
import importlib.util
import logging
import os
import sys

_path = os.path.join(os.path.dirname(__file__), "..", "..", "src", "local", "moto-launcher.py")
_spec = importlib.util.spec_from_file_location("moto_launcher", _path)
launcher = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(launcher)
launcher.check_internals()
launcher.apply_cost_patches()

logging.getLogger("werkzeug").setLevel(logging.ERROR)

from moto.server import main  # noqa: E402

sys.exit(main())

# moto in server mode for the tests, as `python3 -m moto.server` with the same arguments, with
# differences in cost, none in behaviour:
# - poc's launcher's cost patches (src/local/moto-launcher.py, apply_cost_patches: moto's
#   module list read once, SQS's clock and retention read without a pass over the queue per
#   message), checked against this moto first as `poc local start` checks them.
# - AWS's managed policies (~1500, loaded when MOTO_IAM_LOAD_MANAGED_POLICIES is set) are parsed
#   and built once per process instead of at every reset. Building them took 1-2 s of moto's
#   CPU at each test's reset, most of the time of the files that grade labs attaching them.
# - No line per request on stderr, which the tests' processes read: errors are still written.
import copy
import importlib.util
import logging
import os
import sys

from moto.iam import models

_path = os.path.join(os.path.dirname(__file__), "..", "..", "src", "local", "moto-launcher.py")
_spec = importlib.util.spec_from_file_location("moto_launcher", _path)
launcher = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(launcher)
launcher.check_internals()
launcher.apply_cost_patches()

_built = {}
_build = models.IAMBackend._init_aws_policies


def _init_aws_policies(self):
    key = (self.account_id, self.partition)
    if key not in _built:
        _built[key] = _build(self)
    # A copy of each: a policy's attachment count is per backend, as a reset expects.
    return [copy.copy(policy) for policy in _built[key]]


models.IAMBackend._init_aws_policies = _init_aws_policies
logging.getLogger("werkzeug").setLevel(logging.ERROR)

from moto.server import main  # noqa: E402

sys.exit(main())

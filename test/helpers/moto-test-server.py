# moto in server mode for the tests, as `python3 -m moto.server` with the same arguments, with
# differences in cost, none in behaviour:
# - AWS's managed policies (~1500, loaded when MOTO_IAM_LOAD_MANAGED_POLICIES is set) are parsed
#   and built once per process instead of at every reset. Building them took 1-2 s of moto's
#   CPU at each test's reset, most of the time of the files that grade labs attaching them.
# - moto lists its own package folder (a listdir and ~200 stats) to route every request,
#   under a lock all requests share: listed once here (as src/local/moto-launcher.py does).
#   That was a third of moto's CPU per request, and moto is half the suite's CPU.
# - No line per request on stderr, which the tests' processes read: errors are still written.
import copy
import logging
import sys

from moto import backends

from moto.iam import models

_built = {}
_build = models.IAMBackend._init_aws_policies


def _init_aws_policies(self):
    key = (self.account_id, self.partition)
    if key not in _built:
        _built[key] = _build(self)
    # A copy of each: a policy's attachment count is per backend, as a reset expects.
    return [copy.copy(policy) for policy in _built[key]]


models.IAMBackend._init_aws_policies = _init_aws_policies

_modules = tuple(backends.list_of_moto_modules())
backends.list_of_moto_modules = lambda: iter(_modules)
logging.getLogger("werkzeug").setLevel(logging.ERROR)

from moto.server import main  # noqa: E402

sys.exit(main())

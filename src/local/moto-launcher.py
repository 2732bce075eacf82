"""moto in server mode, patched so that poc's local runtime is what runs the functions.

poc local start runs this file with a Python that has the pinned moto (src/local/moto.ts).
moto alone invokes functions inline (in Docker) where AWS does it asynchronously, clears a
table's stream records after it did, and confirms email subscriptions at once. Each patch
below undoes one of these, so that the local AWS behaves as AWS does and poc's runtime
(src/local/runtime.ts) is the only consumer:

  1. event source mappings are not attached to their queue or table, so SendMessage and
     table writes invoke nothing and stream records stay readable with GetRecords; a write
     that changes nothing writes no stream record (as AWS documents);
  2. GetFunction's Code.Location is a URL of this server that returns the stored zip;
  3. S3 notifications to Lambda are recorded and served at /_poc/s3-events (long poll),
     and SNS -> Lambda invokes nothing;
  4. email and email-json subscriptions stay pending until confirmed (the link in the
     confirmation mail, /_poc/confirm); notifications go to a local inbox (/_poc/inbox);
  5. /_poc/changes long-polls counters, so that the runtime waits instead of polling and
     reads again only what changed: "stream" grows with every stream record written,
     "lambda" with every change made through Lambda's API (a function or mapping created,
     updated or deleted), "apigateway" with every change made through API Gateway's, "iam"
     with every role created, deleted or given another trust policy; all with a reset;
  6. ReceiveMessage takes visible messages one receive at a time: Lambda reads a queue with
     several receives at once, and moto's long poll, run in two threads, could give both the
     same message (SQS hides a received message from other receives for its visibility timeout);
     and a receive that names no visibility timeout hides what it takes for the queue's value
     when it takes it, not when its long poll began.

Three more change what moto costs, not what it answers (apply_cost_patches; the tests' own
moto, test/helpers/moto-test-server.py, applies them too):

  7. moto lists its own package folder (a listdir and ~200 stats) to route every request,
     under the lock that all requests share: listed once instead. That was a third of moto's
     CPU per request.
  8. SQS: whether a message is visible, delayed or past its retention is read with
     time.time() (the clock moto's datetime arithmetic reads) and the queue's own field,
     instead of a datetime per message and every attribute of the queue (three passes over
     its messages) per message received. With 500 messages waiting, a receive of 10 took
     280 ms of CPU and a SendMessage 5 ms; now 1 ms and 0.2 ms.
  9. IAM: AWS's managed policies (~1500, loaded because MOTO_IAM_LOAD_MANAGED_POLICIES is set:
     the labs attach them) are parsed and built once per process, not again by every reset
     and by the first call after it. That was 0.8 s of CPU per reset and 0.2 s in the
     GetCallerIdentity that follows it.

Every patched name is checked first (check_internals): if the pinned moto changes under
them, this fails at start-up with the name, rather than running unpatched.
"""

import argparse
import copy
import logging
import json
import os
import secrets
import signal
import sys
import threading
import time
from datetime import datetime, timezone
from urllib.parse import parse_qs, quote

PINNED = "5.2.1"
HOST = "127.0.0.1"
PORT = 0


class State:
    """What poc keeps beside moto's backends; cleared by moto's reset, as they are."""

    def __init__(self):
        self.changed = threading.Condition()
        self.seq = 0
        self.mails = []  # {seq, id, time, to, from, subject, body, topicArn, kind, link?}
        self.s3_events = []  # {seq, functionArn, region, event}
        self.tokens = {}  # confirmation token -> (account, region, subscription arn)
        self.counters = {"stream": 0, "lambda": 0, "apigateway": 0, "iam": 0}  # never reset: a waiter's `after` stays valid

    def add(self, kind, entry):
        with self.changed:
            self.seq += 1
            entry["seq"] = self.seq
            (self.mails if kind == "mail" else self.s3_events).append(entry)
            self.changed.notify_all()

    def bump(self, counter):
        with self.changed:
            self.counters[counter] += 1
            self.changed.notify_all()

    def reset(self):
        with self.changed:
            self.mails.clear()
            self.s3_events.clear()
            self.tokens.clear()
            for counter in self.counters:
                self.counters[counter] += 1
            self.changed.notify_all()

    def counter_after(self, counter, after, wait):
        """The counter once past `after`, or as it is after `wait` seconds (a long poll)."""
        with self.changed:
            self.changed.wait_for(lambda: self.counters[counter] > after, wait)
            return self.counters[counter]

    def after(self, kind, seq, wait):
        """Entries past seq; waits up to `wait` seconds for one (a long poll, no busy loop)."""
        deadline = time.monotonic() + wait
        with self.changed:
            while True:
                found = [e for e in (self.mails if kind == "mail" else self.s3_events) if e["seq"] > seq]
                left = deadline - time.monotonic()
                if found or left <= 0:
                    return found
                self.changed.wait(left)


STATE = State()


def check_internals():
    """The names the patches rely on, in the pinned moto. Raises with the first one missing."""
    import moto
    from moto import backends as moto_backends
    from moto.awslambda import models as lambda_models
    from moto.dynamodb.models import table as ddb_table
    from moto.iam import models as iam_models
    from moto.moto_api._internal import models as api_models
    from moto.s3 import notifications
    from moto.sns import models as sns_models
    from moto.sqs import models as sqs_models

    needed = [
        (lambda_models.LambdaBackend, "create_event_source_mapping"),
        (lambda_models.LambdaBackend, "_event_source_mappings", "instance"),
        (lambda_models.LambdaBackend, "_lambdas", "instance"),
        (lambda_models.LambdaFunction, "get_code"),
        (lambda_models.LambdaFunction, "code_bytes", "instance"),
        (sqs_models.Queue, "add_message"),
        (sqs_models.Queue, "wait_for_messages"),
        (sqs_models.SQSBackend, "receive_message"),
        (sqs_models.SQSBackend, "get_queue"),
        (ddb_table.StreamShard, "add"),
        (notifications, "_invoke_awslambda"),
        (sns_models.SNSBackend, "subscribe"),
        (sns_models.SNSBackend, "unsubscribe"),
        (sns_models.Subscription, "publish"),
        (sns_models.Subscription, "get_post_data"),
        (sns_models.Subscription, "_parse_message_structure"),
        (api_models.MotoAPIBackend, "reset"),
        (iam_models.IAMBackend, "create_role"),
        (iam_models.IAMBackend, "delete_role"),
        (iam_models.IAMBackend, "update_assume_role_policy"),
        (moto_backends, "list_of_moto_modules"),
        (sqs_models.Message, "visible"),
        (sqs_models.Message, "delayed"),
        (sqs_models.SQSBackend, "is_message_valid_based_on_retention_period"),
        (iam_models.IAMBackend, "_init_aws_policies"),
    ]
    for entry in needed:
        owner, name = entry[0], entry[1]
        if len(entry) == 2 and not hasattr(owner, name):
            raise RuntimeError(f"moto {moto.__version__}: {getattr(owner, '__name__', owner)}.{name} is gone; poc's patches need moto {PINNED}")
    # The loops the patches turn off read these dicts: make sure they still do.
    import inspect

    if "lambda_event_source_mappings" not in inspect.getsource(sqs_models.Queue.add_message):
        raise RuntimeError(f"moto {moto.__version__}: Queue.add_message no longer reads lambda_event_source_mappings")
    if "lambda_event_source_mappings" not in inspect.getsource(ddb_table.StreamShard.add):
        raise RuntimeError(f"moto {moto.__version__}: StreamShard.add no longer reads lambda_event_source_mappings")
    if "func.invoke" not in inspect.getsource(notifications._invoke_awslambda):
        raise RuntimeError(f"moto {moto.__version__}: s3 notifications no longer invoke through _invoke_awslambda")
    if "send_sns_message" not in inspect.getsource(sns_models.Subscription.publish):
        raise RuntimeError(f"moto {moto.__version__}: Subscription.publish no longer invokes lambda through send_sns_message")
    # Patch 8 replaces these with the same comparisons: they must still be these.
    for prop, field in ((sqs_models.Message.visible, "visible_at"), (sqs_models.Message.delayed, "delayed_until")):
        if field not in inspect.getsource(prop.fget):
            raise RuntimeError(f"moto {moto.__version__}: Message.{prop.fget.__name__} no longer compares {field}")
    if "MessageRetentionPeriod" not in inspect.getsource(sqs_models.SQSBackend.is_message_valid_based_on_retention_period):
        raise RuntimeError(f"moto {moto.__version__}: the retention check no longer reads MessageRetentionPeriod")


def now_iso():
    return datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


def apply_patches():
    from moto import backends as moto_backends
    from moto.awslambda import models as lambda_models
    from moto.dynamodb.models import table as ddb_table
    from moto.moto_api._internal import models as api_models
    from moto.s3 import notifications
    from moto.sns import models as sns_models

    # 1. A mapping is registered with moto's Lambda backend (List/Get/Update/Delete work), but
    # not on its queue or table, whose add_message / StreamShard.add would invoke it inline.
    original_create = lambda_models.LambdaBackend.create_event_source_mapping

    def create_event_source_mapping(self, spec):
        from moto.dynamodb.models import dynamodb_backends
        from moto.sqs.models import sqs_backends

        esm = original_create(self, spec)
        for queue in sqs_backends[self.account_id][self.region_name].queues.values():
            if queue.lambda_event_source_mappings.get(esm.function_arn) is esm:
                del queue.lambda_event_source_mappings[esm.function_arn]
        for table in dynamodb_backends[self.account_id][self.region_name].tables.values():
            if table.lambda_event_source_mappings.get(esm.function_arn) is esm:
                del table.lambda_event_source_mappings[esm.function_arn]
        return esm

    lambda_models.LambdaBackend.create_event_source_mapping = create_event_source_mapping

    # 1b. "If you perform a PutItem or UpdateItem operation that does not change any data in an
    # item, DynamoDB Streams does not write a stream record for that operation" (AWS's
    # DynamoDB Streams documentation); moto writes one for every write.
    original_add = ddb_table.StreamShard.add

    def add(self, old, new):
        if old is not None and new is not None and old.attrs == new.attrs:
            return None
        record = original_add(self, old, new)
        STATE.bump("stream")  # wakes the stream pollers waiting on /_poc/changes
        return record

    ddb_table.StreamShard.add = add

    # 6. One receive at a time takes messages; a long poll waits outside the lock, as moto's
    # own loop does (Queue.wait_for_messages wakes when a message is added).
    from moto.sqs import models as sqs_models

    original_receive = sqs_models.SQSBackend.receive_message
    receiving = threading.Lock()

    def receive_message(self, queue_name, count, wait_seconds_timeout, visibility_timeout, message_attribute_names=None):
        deadline = time.monotonic() + (wait_seconds_timeout or 0)
        # moto reads the queue's visibility timeout when the request arrives; a long poll
        # takes its messages later, when the queue's own may have changed (a student lowering
        # it): a receive that did not name one hides them for the queue's value at that time.
        queue = self.get_queue(queue_name)
        default = visibility_timeout == queue.visibility_timeout
        while True:
            with receiving:
                hide = queue.visibility_timeout if default else visibility_timeout
                result = original_receive(self, queue_name, count, 0, hide, message_attribute_names)
            left = deadline - time.monotonic()
            if result or left <= 0:
                return result
            self.get_queue(queue_name).wait_for_messages(min(1, left))

    sqs_models.SQSBackend.receive_message = receive_message

    # 2. The code's location, as AWS gives it: a URL a client GETs for the zip.
    original_get_code = lambda_models.LambdaFunction.get_code

    def get_code(self):
        resp = original_get_code(self)
        # moto names a made-up S3 location (awslambda-<region>-tasks.s3...) that nothing serves.
        if "ImageUri" not in self.code and getattr(self, "code_bytes", b""):
            name = quote(self.function_name, safe="")
            resp["Code"] = {
                "RepositoryType": "S3",
                "Location": f"http://{HOST}:{PORT}/_poc/lambda-code/{self.account_id}/{self.region}/{name}?sha256={quote(self.code_sha_256, safe='')}",
            }
        return resp

    lambda_models.LambdaFunction.get_code = get_code

    # 3. S3 -> Lambda is an asynchronous invoke on AWS: record the event moto built.
    def invoke_awslambda(account_id, event_body, fn_arn, region_name):
        STATE.add("s3", {"functionArn": fn_arn, "region": region_name, "account": account_id, "event": event_body})

    notifications._invoke_awslambda = invoke_awslambda

    # 4. Email subscriptions: pending until confirmed, then mail in the inbox.
    original_subscribe = sns_models.SNSBackend.subscribe

    def subscribe(self, topic_arn, endpoint, protocol):
        existing = self._find_subscription(topic_arn, endpoint, protocol)
        subscription = original_subscribe(self, topic_arn, endpoint, protocol)
        if protocol in ("email", "email-json") and existing is None:
            token = secrets.token_hex(32)
            STATE.tokens[token] = (self.account_id, self.region_name, subscription.arn)
            subscription.attributes["PendingConfirmation"] = "true"
            subscription.attributes["ConfirmationWasAuthenticated"] = "false"
            subscription.topic.subscriptions_pending += 1
            link = f"http://{HOST}:{PORT}/_poc/confirm?TopicArn={quote(topic_arn, safe='')}&Token={token}&Endpoint={quote(endpoint, safe='')}"
            STATE.add(
                "mail",
                {
                    "id": secrets.token_hex(8),
                    "time": now_iso(),
                    "to": endpoint,
                    "from": f"{display_name(subscription.topic)} <no-reply@sns.amazonaws.com>",
                    "subject": "AWS Notification - Subscription Confirmation",
                    "body": (
                        f"You have chosen to subscribe to the topic: \n{topic_arn}\n\n"
                        "To confirm this subscription, click or visit the link below (If this was in error no action is necessary): \n"
                        f"Confirm subscription: {link}\n\n"
                        "Please do not reply directly to this email. If you wish to remove yourself from receiving all future SNS "
                        "subscription confirmation requests please send an email to sns-opt-out"
                    ),
                    "topicArn": topic_arn,
                    "kind": "confirmation",
                    "link": link,
                    "subscriptionArn": subscription.arn,
                },
            )
        return subscription

    sns_models.SNSBackend.subscribe = subscribe

    original_unsubscribe = sns_models.SNSBackend.unsubscribe

    def unsubscribe(self, subscription_arn):
        sub = self.subscriptions.get(subscription_arn)
        if sub is not None and sub.attributes.get("PendingConfirmation") == "true":
            sub.topic.subscriptions_pending = max(0, sub.topic.subscriptions_pending - 1)
        return original_unsubscribe(self, subscription_arn)

    sns_models.SNSBackend.unsubscribe = unsubscribe

    original_publish = sns_models.Subscription.publish

    def publish(self, message, message_id, subject=None, message_attributes=None, group_id=None, deduplication_id=None, message_structure=None):
        if self.protocol == "lambda":
            return None  # AWS invokes asynchronously; poc's runtime does not serve SNS -> Lambda.
        if self.protocol not in ("email", "email-json"):
            return original_publish(self, message, message_id, subject, message_attributes, group_id, deduplication_id, message_structure)
        if self.attributes.get("PendingConfirmation") == "true":
            return None  # AWS delivers nothing to an unconfirmed address.
        if self._filter_policy_matcher is not None and not self._filter_policy_matcher.matches(message_attributes, message):
            return None
        if message_structure == "json":
            message = self._parse_message_structure(message, self.protocol)
        unsubscribe = f"https://sns.{self.topic.sns_backend.region_name}.amazonaws.com/unsubscribe.html?SubscriptionArn={self.arn}&Endpoint={self.endpoint}"
        if self.protocol == "email":
            body = (
                f"{message}\n\n--\nIf you wish to stop receiving notifications from this topic, please click or visit the link below to unsubscribe:\n"
                f"{unsubscribe}\n\nPlease do not reply directly to this email. If you have any questions or comments regarding this email, "
                "please contact us at https://aws.amazon.com/support"
            )
        else:
            body = json.dumps(self.get_post_data(message, message_id, subject, message_attributes=message_attributes), indent=2)
        STATE.add(
            "mail",
            {
                "id": message_id,
                "time": now_iso(),
                "to": self.endpoint,
                "from": f"{display_name(self.topic)} <no-reply@sns.amazonaws.com>",
                "subject": subject or "AWS Notification Message",
                "body": body,
                "message": message,
                "topicArn": self.topic.arn,
                "kind": "notification",
                "subscriptionArn": self.arn,
            },
        )
        return None

    sns_models.Subscription.publish = publish

    # 5. The roles the local stage assumes: it keeps what it read until one of these changes.
    from moto.iam import models as iam_models

    def bumping(original):
        def patched(self, *args, **kwargs):
            try:
                return original(self, *args, **kwargs)
            finally:
                STATE.bump("iam")

        return patched

    for name in ("create_role", "delete_role", "update_assume_role_policy"):
        setattr(iam_models.IAMBackend, name, bumping(getattr(iam_models.IAMBackend, name)))

    original_reset = api_models.MotoAPIBackend.reset

    def reset(self):
        original_reset(self)
        STATE.reset()

    api_models.MotoAPIBackend.reset = reset

    apply_cost_patches()


def apply_cost_patches():
    """Patches 7 to 9: the same answers for less CPU (check_internals checks their names)."""
    from moto import backends as moto_backends
    from moto.iam import models as iam_models
    from moto.sqs import models as sqs_models

    # 7. The folder's modules do not change while the server runs: listed once.
    modules = tuple(moto_backends.list_of_moto_modules())
    moto_backends.list_of_moto_modules = lambda: iter(modules)

    # 8. The same comparisons as moto's (visible_at and delayed_until are in ms since the epoch).
    sqs_models.Message.visible = property(lambda self: time.time() * 1000.0 > self.visible_at)
    sqs_models.Message.delayed = property(lambda self: time.time() * 1000.0 < self.delayed_until)

    def is_message_valid_based_on_retention_period(self, queue_name, message):
        retention = self.get_queue(queue_name).message_retention_period
        return retention + message.sent_timestamp / 1000 > time.time()

    sqs_models.SQSBackend.is_message_valid_based_on_retention_period = is_message_valid_based_on_retention_period

    # 9. Built once per account and partition; each backend gets copies, as a reset expects
    # (a policy's attachment count is per backend).
    built = {}
    build = iam_models.IAMBackend._init_aws_policies

    def _init_aws_policies(self):
        key = (self.account_id, self.partition)
        if key not in built:
            built[key] = build(self)
        return [copy.copy(policy) for policy in built[key]]

    iam_models.IAMBackend._init_aws_policies = _init_aws_policies


def display_name(topic):
    return getattr(topic, "display_name", "") or "AWS Notifications"


def confirm(token):
    """Confirms the subscription the token was sent for; returns its ARN, or None."""
    from moto.sns.models import sns_backends

    found = STATE.tokens.get(token)
    if not found:
        return None
    account, region, arn = found
    sub = sns_backends[account][region].subscriptions.get(arn)
    if sub is None:
        return None
    if sub.attributes.get("PendingConfirmation") == "true":
        sub.attributes["PendingConfirmation"] = "false"
        sub.attributes["ConfirmationWasAuthenticated"] = "true"
        sub.topic.subscriptions_pending = max(0, sub.topic.subscriptions_pending - 1)
        sub.topic.subscriptions_confimed += 1
    return arn


class ResetLock:
    """moto's reset re-creates every backend in place while other threads serve requests: a
    request served meanwhile can find a backend half made (IAMBackend without access_keys)
    and fail, or leave it broken. Requests share this lock; a reset takes it alone."""

    def __init__(self):
        self.cond = threading.Condition()
        self.readers = 0
        self.resetting = False

    def shared(self):
        with self.cond:
            while self.resetting:
                self.cond.wait()
            self.readers += 1

    def release_shared(self):
        with self.cond:
            self.readers -= 1
            self.cond.notify_all()

    def exclusive(self):
        with self.cond:
            while self.resetting:
                self.cond.wait()
            self.resetting = True
            while self.readers:
                self.cond.wait()

    def release_exclusive(self):
        with self.cond:
            self.resetting = False
            self.cond.notify_all()


RESET_LOCK = ResetLock()


def changed_by(environ):
    """ "lambda" or "apigateway" for a call to their API that may change something (not a read,
    not an invoke), else None. Both are REST APIs: a read is a GET."""
    if environ.get("REQUEST_METHOD") in ("GET", "HEAD", "OPTIONS"):
        return None
    # The service is the one the request is signed for (Credential=key/date/region/service/...).
    scope = environ.get("HTTP_AUTHORIZATION", "").split("Credential=", 1)[-1].split(",", 1)[0].split("/")
    service = scope[3] if len(scope) > 3 else None
    if service == "lambda" and not environ.get("PATH_INFO", "").rstrip("/").endswith(("/invocations", "/invoke-async")):
        return "lambda"
    return "apigateway" if service == "apigateway" else None


def poc_routes(app):
    """A WSGI app: /_poc/... served here, everything else by moto."""

    def moto_request(environ, start_response):
        # An SQS long poll may wait 20 s: it does not hold a reset up (a receive that meets a
        # reset fails, and the poller tries again).
        if environ.get("HTTP_X_AMZ_TARGET") == "AmazonSQS.ReceiveMessage":
            return app(environ, start_response)
        resetting = environ.get("PATH_INFO", "") == "/moto-api/reset"
        RESET_LOCK.exclusive() if resetting else RESET_LOCK.shared()
        try:
            # The whole answer is read inside the lock: moto builds it before returning.
            answer = list(app(environ, start_response))
        finally:
            RESET_LOCK.release_exclusive() if resetting else RESET_LOCK.release_shared()
        changed = changed_by(environ)
        if changed:
            STATE.bump(changed)
        return answer

    def json_response(start_response, status, doc):
        body = json.dumps(doc).encode()
        start_response(status, [("Content-Type", "application/json"), ("Content-Length", str(len(body)))])
        return [body]

    def wrapped(environ, start_response):
        path = environ.get("PATH_INFO", "")
        if not path.startswith("/_poc/"):
            return moto_request(environ, start_response)
        query = {k: v[0] for k, v in parse_qs(environ.get("QUERY_STRING", "")).items()}
        wait = min(float(query.get("wait", "0")), 25.0)
        after = int(query.get("after", "0"))
        if path == "/_poc/health":
            import moto

            return json_response(start_response, "200 OK", {"moto": moto.__version__, "pid": os.getpid()})
        if path in ("/_poc/inbox", "/_poc/s3-events"):
            kind = "mail" if path == "/_poc/inbox" else "s3"
            found = STATE.after(kind, after, wait)
            return json_response(start_response, "200 OK", {"items": found, "next": max([after] + [e["seq"] for e in found])})
        if path == "/_poc/changes":
            counter = query.get("counter", "")
            if counter not in STATE.counters:
                return json_response(start_response, "400 Bad Request", {"message": f"no counter {counter!r}"})
            value = STATE.counter_after(counter, after, wait)
            return json_response(start_response, "200 OK", {"value": value, "counters": dict(STATE.counters)})
        if path == "/_poc/regions":
            # Where Lambda holds functions: the runtime reads their event source mappings there.
            from moto.awslambda.models import lambda_backends

            found = sorted({(account, region) for account, regions in lambda_backends.items() for region, backend in regions.items() if backend._event_source_mappings or any(True for _ in backend._lambdas.all())})
            return json_response(start_response, "200 OK", {"regions": [{"account": a, "region": r} for a, r in found]})
        if path.startswith("/_poc/lambda-code/"):
            from moto.awslambda.utils import get_backend

            try:
                _, _, _, account, region, name = path.split("/", 5)
                fn = get_backend(account, region).get_function(name)
                body = fn.code_bytes
            except Exception as error:  # noqa: BLE001 (any failure is a 404 to the client, as S3 says NoSuchKey)
                return json_response(start_response, "404 Not Found", {"message": str(error)})
            start_response("200 OK", [("Content-Type", "application/zip"), ("Content-Length", str(len(body)))])
            return [body]
        if path == "/_poc/confirm":
            arn = confirm(query.get("Token", ""))
            if arn is None:
                body = b"<h1>Invalid token</h1><p>This confirmation link is not valid (the local AWS was reset or stopped?).</p>"
                start_response("404 Not Found", [("Content-Type", "text/html"), ("Content-Length", str(len(body)))])
                return [body]
            body = f"<h1>Subscription confirmed!</h1><p>Your subscription's id is:<br>{arn}</p>".encode()
            start_response("200 OK", [("Content-Type", "text/html"), ("Content-Length", str(len(body)))])
            return [body]
        return json_response(start_response, "404 Not Found", {"message": f"no such route {path}"})

    return wrapped


def main():
    global PORT
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--check", action="store_true", help="check moto's internals and exit")
    args = parser.parse_args()
    import moto

    if moto.__version__ != PINNED:
        sys.stderr.write(f"poc needs moto {PINNED}, this Python has moto {moto.__version__}\n")
        sys.exit(3)
    try:
        check_internals()
    except RuntimeError as error:
        sys.stderr.write(f"{error}\n")
        sys.exit(3)
    if args.check:
        print(json.dumps({"moto": moto.__version__, "patches": "ok"}))
        return
    PORT = args.port
    apply_patches()
    logging.getLogger("werkzeug").setLevel(logging.ERROR)  # no line per request on the runtime's log

    from werkzeug.serving import make_server

    from moto.moto_server.werkzeug_app import DomainDispatcherApplication, create_backend_app

    os.environ.setdefault("MOTO_PORT", str(PORT))
    main_app = DomainDispatcherApplication(create_backend_app)
    try:
        server = make_server(HOST, PORT, poc_routes(main_app), threaded=True)
    except OSError as error:
        sys.stderr.write(f"cannot listen on {HOST}:{PORT}: {error}\n")
        sys.exit(4)
    signal.signal(signal.SIGTERM, lambda *_: threading.Thread(target=server.shutdown).start())
    signal.signal(signal.SIGINT, lambda *_: threading.Thread(target=server.shutdown).start())
    # The runtime waits for this line: the port is bound.
    sys.stdout.write(f"listening {HOST}:{PORT}\n")
    sys.stdout.flush()
    server.serve_forever()


if __name__ == "__main__":
    main()

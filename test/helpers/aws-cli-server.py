# The aws CLI (v1, which is Python) loaded once, for a test that runs many aws commands
# (explain-by-hand.test.ts). Each command still runs as its own process, a fork of this
# one: the caller's arguments, folder, environment, stdin/stdout/stderr and exit code, and
# the CLI's own main() from a fresh start. What is paid once is only the start-up, importing
# botocore and reading the service models, which costs a second a command on a loaded machine.
#
#   python aws-cli-server.py SOCKET ENDPOINT SERVICE,SERVICE...
#
# A client (aws-cli.ts writes it as `aws`) connects to SOCKET and sends its stdin, stdout
# and stderr (SCM_RIGHTS) with [cwd, argv, environ] as JSON; the answer is the exit code.
# Every command is sent to ENDPOINT (--endpoint-url): the aws CLI v1 ignores AWS_ENDPOINT_URL
# for SQS (its overridesslcommonname customization picks queue.amazonaws.com).
import json
import os
import signal
import socket
import sys
import traceback

from awscli.clidriver import create_clidriver

path, endpoint, services = sys.argv[1], sys.argv[2], sys.argv[3].split(',')

driver = create_clidriver()
# What every command would read again: the command table and, per service, its model,
# endpoint rules and waiters (botocore's loader caches them; the forks inherit the cache).
driver._get_command_table()
for service in services:
    driver.session.create_client(service, region_name='us-east-1', endpoint_url=endpoint)

server = socket.socket(socket.AF_UNIX)
server.bind(path)
server.listen(16)
signal.signal(signal.SIGCHLD, signal.SIG_IGN)  # the kernel reaps the finished commands
print('ready', flush=True)

while True:
    conn, _ = server.accept()
    if os.fork():
        conn.close()
        continue
    # The command's own process from here on.
    server.close()
    signal.signal(signal.SIGCHLD, signal.SIG_DFL)
    code = 255
    try:
        message, fds, _, _ = socket.recv_fds(conn, 1 << 20, 3)
        cwd, args, environ = json.loads(message)
        for target, fd in enumerate(fds):
            os.dup2(fd, target)
            os.close(fd)
        os.chdir(cwd)
        os.environ.clear()
        os.environ.update(environ)
        try:
            code = driver.main(['--endpoint-url', endpoint, *args])
        except SystemExit as stop:  # usage errors leave through argparse
            code = stop.code if isinstance(stop.code, int) else 1
    except BaseException:
        traceback.print_exc()
    finally:
        for stream in (sys.stdout, sys.stderr):
            try:
                stream.flush()
            except Exception:
                pass
        try:
            conn.sendall(str(code or 0).encode())
        finally:
            os._exit(0)

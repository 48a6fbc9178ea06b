"""Starts and stops the real indicators-server ($INDICATORS_SERVER) for the
tests, on 127.0.0.1 with port 0."""

import os
import re
import subprocess


def start_server(*flags):
    """Starts indicators-server with `flags` (a --data or --database among
    them); returns (process, address) once it listens."""
    server = subprocess.Popen(
        [os.environ["INDICATORS_SERVER"], "--listen=127.0.0.1:0", *flags],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    line = server.stdout.readline()
    match = re.search(r"listening on (127\.0\.0\.1:\d+);", line)
    if not match:
        server.kill()
        server.wait(timeout=15)
        server.stdout.close()
        raise RuntimeError(f"server did not start: {line}")
    return server, match.group(1)


def stop_server(server, kill=False):
    """Stops a server from `start_server` (SIGTERM, or SIGKILL) and waits."""
    if kill:
        server.kill()
    else:
        server.terminate()
    server.wait(timeout=15)
    server.stdout.close()

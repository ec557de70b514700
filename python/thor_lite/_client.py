"""The `thor-lite serve` process and its JSON-lines protocol (one request, one reply)."""
import json
import os
import shutil
import subprocess

__all__ = ["ThorLiteError", "ServeClient", "find_binary"]


class ThorLiteError(RuntimeError):
    """The server refused a request (the message says why) or stopped."""


def find_binary(binary=None):
    """`binary`, else $THOR_LITE_BIN, else the copy bundled in a wheel, else `thor-lite` on PATH."""
    if binary:
        return binary
    if os.environ.get("THOR_LITE_BIN"):
        return os.environ["THOR_LITE_BIN"]
    bundled = os.path.join(os.path.dirname(os.path.abspath(__file__)), "bin", "thor-lite")
    if os.path.isfile(bundled) and os.access(bundled, os.X_OK):
        return bundled
    found = shutil.which("thor-lite")
    if not found:
        raise ThorLiteError("thor-lite binary not found: pass binary=, set THOR_LITE_BIN or put it on PATH")
    return found


class ServeClient:
    """One `thor-lite serve` child process. Requests are dicts; replies are dicts with "ok" true
    (a failed request raises ThorLiteError with the server's reason)."""

    def __init__(self, store=None, binary=None):
        command = [find_binary(binary), "serve"]
        if store:
            command += ["--store", os.fspath(store)]
        self._process = subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                         stderr=subprocess.PIPE, text=True, encoding="utf-8", bufsize=1)

    def request(self, **request):
        if self._process.poll() is not None:
            raise ThorLiteError("thor-lite serve has stopped: " + self._process.stderr.read().strip())
        try:
            self._process.stdin.write(json.dumps(request) + "\n")
            self._process.stdin.flush()
        except BrokenPipeError:
            raise ThorLiteError("thor-lite serve has stopped: " + self._process.stderr.read().strip()) from None
        line = self._process.stdout.readline()
        if not line:
            raise ThorLiteError("thor-lite serve has stopped: " + self._process.stderr.read().strip())
        reply = json.loads(line)
        if not reply.get("ok"):
            raise ThorLiteError(reply.get("error", "request failed"))
        return reply

    @property
    def running(self):
        return self._process.poll() is None

    def close(self):
        if self._process.poll() is None:
            try:
                self.request(op="close")
            except (ThorLiteError, OSError, ValueError):
                pass
            try:
                self._process.stdin.close()
            except OSError:
                pass
            try:
                self._process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self._process.kill()
                self._process.wait()
        for stream in (self._process.stdout, self._process.stderr):
            if stream and not stream.closed:
                stream.close()

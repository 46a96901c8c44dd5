"""A minimal JSON-RPC client that drives ``vaultkit lsp`` over stdio, as an editor does."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

Json = Any

# What the tests' editor says it can do: documentChanges with file renames, and (unless a
# test says otherwise) watching files for the server.
CAPABILITIES: dict[str, Json] = {
    "workspace": {
        "workspaceEdit": {"documentChanges": True, "resourceOperations": ["rename"]},
        "didChangeWatchedFiles": {"dynamicRegistration": True},
        "workspaceFolders": True,
    },
    "textDocument": {
        "publishDiagnostics": {"relatedInformation": True},
        "completion": {"completionItem": {"snippetSupport": False}},
        "rename": {"prepareSupport": True},
    },
}


class ServerError(Exception):
    """The server answered a request with an error."""

    def __init__(self, error: Json) -> None:
        super().__init__(error.get("message", ""))
        self.code = error.get("code")


class Client:
    """``vaultkit lsp`` as a child process, spoken to with Content-Length framed JSON-RPC.

    Notifications from the server are kept in order (``notifications``) and the latest
    diagnostics per URI in ``diagnostics``; requests from the server (registrations) are
    answered with ``null``, as an editor that accepts them would.
    """

    def __init__(self, cwd: Path, *args: str, env: dict[str, str] | None = None) -> None:
        # Kept open as long as the server runs, closed by ``close``.
        self._stderr = tempfile.TemporaryFile()  # noqa: SIM115
        self.process = subprocess.Popen(
            [sys.executable, "-m", "vaultkit", "lsp", *args],
            cwd=cwd,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=self._stderr,
            env=env if env is not None else dict(os.environ),
        )
        self._next = 0
        self._lock = threading.Condition()
        self._results: dict[int, Json] = {}
        self.notifications: list[tuple[float, str, Json]] = []
        self.diagnostics: dict[str, list[Json]] = {}
        self.server_requests: list[tuple[str, Json]] = []
        self.before_last_answer = 0
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    # --- the wire ------------------------------------------------------------------------------

    def _send(self, message: Json) -> None:
        body = json.dumps(message).encode("utf-8")
        assert self.process.stdin is not None
        self.process.stdin.write(b"Content-Length: %d\r\n\r\n" % len(body) + body)
        self.process.stdin.flush()

    def _read(self) -> None:
        stream = self.process.stdout
        assert stream is not None
        while True:
            length = None
            while True:
                line = stream.readline()
                if not line:
                    with self._lock:
                        self._lock.notify_all()
                    return
                if line in (b"\r\n", b"\n"):
                    break
                name, _, value = line.decode("ascii").partition(":")
                if name.lower() == "content-length":
                    length = int(value)
            assert length is not None
            message = json.loads(stream.read(length))
            self._handle(message)

    def _handle(self, message: Json) -> None:
        if "method" in message and "id" in message:
            self.server_requests.append((message["method"], message.get("params")))
            self._send({"jsonrpc": "2.0", "id": message["id"], "result": None})
            return
        with self._lock:
            if "method" in message:
                params = message.get("params")
                self.notifications.append((time.perf_counter(), message["method"], params))
                if message["method"] == "textDocument/publishDiagnostics":
                    self.diagnostics[params["uri"]] = params["diagnostics"]
            else:
                # How many notifications came before this answer (the order on the wire).
                message["notifications before"] = len(self.notifications)
                self._results[message["id"]] = message
            self._lock.notify_all()

    # --- what an editor does -------------------------------------------------------------------

    def request(self, method: str, params: Json, timeout: float = 60.0) -> Json:
        """Send a request and wait for its answer; an error answer raises ``ServerError``."""
        with self._lock:
            self._next += 1
            number = self._next
        self._send({"jsonrpc": "2.0", "id": number, "method": method, "params": params})
        deadline = time.monotonic() + timeout
        with self._lock:
            while number not in self._results:
                left = deadline - time.monotonic()
                if left <= 0 or self.process.poll() is not None:
                    raise TimeoutError(f"no answer to {method}: {self.stderr()}")
                self._lock.wait(left)
            answer = self._results.pop(number)
        self.before_last_answer = answer["notifications before"]
        if "error" in answer:
            raise ServerError(answer["error"])
        return answer.get("result")

    def notify(self, method: str, params: Json) -> None:
        self._send({"jsonrpc": "2.0", "method": method, "params": params})

    def initialize(
        self, root: Path | None, capabilities: Json = None, folders: bool = False
    ) -> Json:
        """``initialize`` with ``root`` as the workspace, then ``initialized``."""
        uri = root.as_uri() if root is not None else None
        params: dict[str, Json] = {
            "processId": os.getpid(),
            "rootUri": None if folders else uri,
            "capabilities": CAPABILITIES if capabilities is None else capabilities,
        }
        if folders and uri is not None:
            params["workspaceFolders"] = [{"uri": uri, "name": "vault"}]
        result = self.request("initialize", params)
        self.notify("initialized", {})
        return result

    def open(self, path: Path, text: str | None = None, version: int = 1) -> str:
        uri = path.as_uri()
        content = path.read_text(encoding="utf-8") if text is None else text
        document = {"uri": uri, "languageId": "markdown", "version": version, "text": content}
        self.notify("textDocument/didOpen", {"textDocument": document})
        return uri

    def change(self, uri: str, text: str, version: int) -> None:
        """Replace the whole buffer (an editor may send ranges; the server takes both)."""
        self.notify(
            "textDocument/didChange",
            {"textDocument": {"uri": uri, "version": version}, "contentChanges": [{"text": text}]},
        )

    def sync(self) -> None:
        """Wait until every earlier notification is handled (a request is answered after)."""
        self.request("workspace/symbol", {"query": "\0no such note\0"})

    def wait_for(self, test: Callable[[], bool], timeout: float = 30.0) -> None:
        deadline = time.monotonic() + timeout
        with self._lock:
            while not test():
                left = deadline - time.monotonic()
                if left <= 0:
                    raise TimeoutError(f"the server never got there: {self.stderr()}")
                self._lock.wait(left)

    def published(self, uri: str, after: int = 0) -> list[Json]:
        """Every diagnostics list published for ``uri``, from notification number ``after``."""
        with self._lock:
            return [
                params["diagnostics"]
                for _, method, params in self.notifications[after:]
                if method == "textDocument/publishDiagnostics" and params["uri"] == uri
            ]

    def stderr(self) -> str:
        self._stderr.seek(0)
        return self._stderr.read().decode("utf-8", "replace")[-2000:]

    def close(self) -> int:
        """``shutdown`` then ``exit``; returns the exit code."""
        try:
            if self.process.poll() is None:
                self.request("shutdown", None, timeout=20)
                self.notify("exit", None)
            return self.process.wait(timeout=20)
        finally:
            if self.process.poll() is None:
                self.process.kill()
                self.process.wait()
            self._stderr.close()

    def __enter__(self) -> Client:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def codes(diagnostics: Sequence[Json]) -> list[tuple[int, int, int, int, str]]:
    """``(line, character, end line, end character, code)`` of each LSP diagnostic."""
    return [
        (
            item["range"]["start"]["line"],
            item["range"]["start"]["character"],
            item["range"]["end"]["line"],
            item["range"]["end"]["character"],
            item["code"],
        )
        for item in diagnostics
    ]

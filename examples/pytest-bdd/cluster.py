"""The cluster bdd-matrix hands a command (`bdd-matrix run --command`): its nodes and its control API.

BDD_MATRIX_CLUSTER names a JSON file: {"nodes": [{name, spec, host, peerId, addrs, apiUrl,
localAddress}], "control": {"url", "token", "openapi"}}. A node answers API requests sent from its
own address only, so requests are sent from `localAddress`.
"""
import json
import os
import time
import urllib.parse
from http.client import HTTPConnection


class Cluster:
    def __init__(self, path=None):
        path = path or os.environ.get("BDD_MATRIX_CLUSTER")
        if not path:
            raise RuntimeError("BDD_MATRIX_CLUSTER is not set: run this suite with bdd-matrix run --command")
        with open(path, encoding="utf-8") as f:
            description = json.load(f)
        self.nodes = {n["name"]: n for n in description["nodes"]}
        self.control = description["control"]

    def node(self, name):
        if name not in self.nodes:
            raise KeyError(f"no node {name} in the cluster ({', '.join(self.nodes)})")
        return self.nodes[name]

    def api(self, name, method, path, body=None):
        """A request to a node's HTTP API, sent from the node's own address."""
        node = self.node(name)
        url = urllib.parse.urlparse(node["apiUrl"])
        source = (node["localAddress"], 0) if node.get("localAddress") else None
        return _request(url.hostname, url.port, method, url.path.rstrip("/") + path, body, source_address=source)

    def operate(self, name, operation):
        """A control API operation on a node: reset, cut, heal, pause, resume, kill, stop, start, restart."""
        url = urllib.parse.urlparse(self.control["url"])
        return _request(url.hostname, url.port, "POST", f"/v1/nodes/{urllib.parse.quote(name)}/{operation}", None, token=self.control["token"])


def _request(host, port, method, path, body, source_address=None, token=None):
    connection = HTTPConnection(host, port, timeout=30, source_address=source_address)
    headers = {"content-type": "application/json"}
    if token:
        headers["authorization"] = f"Bearer {token}"
    try:
        connection.request(method, path, body=json.dumps(body) if body is not None else None, headers=headers)
        response = connection.getresponse()
        text = response.read().decode()
        if response.status >= 300:
            raise RuntimeError(f"{method} {path}: HTTP {response.status}: {text}")
        return json.loads(text) if text else None
    finally:
        connection.close()


def eventually(check, what, timeout=120.0, interval=0.25):
    """Repeats `check` until it holds; a generous deadline that names what it waited for when missed."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            return check()
        except AssertionError as error:
            if time.monotonic() > deadline:
                raise AssertionError(f"waited {timeout:.0f} s for {what}: {error}") from None
            time.sleep(interval)

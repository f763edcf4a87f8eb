"""pytest-bdd steps of the example: python3 -m pytest examples/pytest-bdd --cucumberjson=$BDD_MATRIX_REPORT."""
import pytest
from pytest_bdd import given, parsers, scenarios, then, when

from cluster import Cluster, eventually

scenarios("features/peers.feature")


@pytest.fixture
def cluster():
    cluster = Cluster()
    # Each scenario starts from the nodes' declared state, as the TypeScript suite's do.
    for name in cluster.nodes:
        cluster.operate(name, "reset")
    return cluster


def peer_state(cluster, observer, subject):
    subject_id = cluster.node(subject)["peerId"]
    return next((p for p in cluster.api(observer, "GET", "/peers") if p["peerId"] == subject_id), None)


@given(parsers.parse('"{observer}" sees "{subject}" as a reachable peer'))
@then(parsers.parse('"{observer}" sees "{subject}" as a reachable peer'))
def sees_reachable(cluster, observer, subject):
    def check():
        peer = peer_state(cluster, observer, subject)
        assert peer and peer["reachable"], f"{observer} sees {subject} as {peer}"
    eventually(check, f"{observer} to see {subject} as a reachable peer")


@when(parsers.parse('"{name}" is cut off the network'))
def cut(cluster, name):
    cluster.operate(name, "cut")


@when(parsers.parse('"{name}" is healed'))
def heal(cluster, name):
    cluster.operate(name, "heal")


@then(parsers.parse('"{observer}" marks "{subject}" unreachable'))
def marks_unreachable(cluster, observer, subject):
    def check():
        peer = peer_state(cluster, observer, subject)
        assert peer is not None and not peer["reachable"], f"{observer} still sees {subject} as {peer}"
    eventually(check, f"{observer} to mark {subject} unreachable")

@feature:p2p-network @env:scale
Feature: A network of fifty nodes
  Gossip and supervision hold at the size of a real network, not only among three nodes.
  On demand: bdd-matrix run --env scale features/p2p-network/fifty-nodes.feature

  Background:
    Given a network of 50 nodes

  Scenario: A gossip message reaches every one of fifty nodes within 2 seconds
    Given every node is subscribed to topic "dms/fifty"
    When "node-1" publishes "hello, fifty" on topic "dms/fifty"
    Then every other node should receive "hello, fifty" on topic "dms/fifty" within 2 seconds

  Scenario: A killed node is noticed by every other node within the heartbeat window
    When "node-50" is killed
    Then every other node should mark "node-50" unreachable within the heartbeat window

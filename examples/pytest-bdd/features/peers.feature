@feature:p2p-network
Feature: Peers, checked from Python
  The same milestone feature as the TypeScript suite checks, in a suite of another language:
  pytest-bdd steps that reach the nodes over their HTTP API and cut a node off the network
  through the cluster control API. Run by `bdd-matrix run --command`, its scenarios land in the
  same matrix rows of p2p-network.

  Scenario: Every onboarded node sees the others as reachable peers
    Then "Bob" sees "Charlie" as a reachable peer
    And "Charlie" sees "Bob" as a reachable peer

  @feature:supervision-model
  Scenario: A node cut off the network is marked unreachable and comes back when healed
    Given "Bob" sees "Charlie" as a reachable peer
    When "Charlie" is cut off the network
    Then "Bob" marks "Charlie" unreachable
    When "Charlie" is healed
    Then "Bob" sees "Charlie" as a reachable peer

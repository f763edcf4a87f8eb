@feature:supervision-model
Feature: Supervision through heartbeats
  Peers notice a node that stops answering.

  Background:
    Given the following nodes
      | nodes   | role | onboarded | org   |
      | Alice   | SP   | true      | nunet |
      | Bob     | CP   | true      | nunet |
      | Charlie | CP   | true      | nunet |

  Scenario: A killed node is noticed by its peers
    When "Charlie" is killed
    Then "Alice" should mark "Charlie" unreachable within 10 seconds
    And "Bob" should mark "Charlie" unreachable within 10 seconds

  Scenario: A node cut off the network is noticed and comes back when healed
    When "Charlie" is cut off the network
    Then "Alice" should mark "Charlie" unreachable within 10 seconds
    When "Charlie" is reconnected to the network
    Then "Alice" should see "Charlie" as a peer within 10 seconds

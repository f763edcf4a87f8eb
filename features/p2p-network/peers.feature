@feature:p2p-network
Feature: Peer-to-peer network
  As a node operator
  I want my node to find its peers and exchange messages with them
  So that actors can talk directly or through gossip

  Background:
    Given the following nodes
      | nodes   | role | onboarded | org   |
      | Alice   | SP   | false     | nunet |
      | Bob     | CP   | true      | nunet |
      | Charlie | CP   | true      | nunet |

  Scenario: Every node sees every other node as a peer
    Then "Alice" should see "Bob" and "Charlie" as peers
    And "Bob" should see "Alice" and "Charlie" as peers

  Scenario: A node measures the round trip to a peer
    When "Alice" pings "Bob"
    Then the round trip time should be below 1000 ms

  Scenario: A direct message reaches only its addressee
    When "Alice" sends "hello Bob" to "Bob"
    Then "Bob" should receive "hello Bob" from "Alice"

  Scenario Outline: A gossip broadcast reaches every subscriber
    Given "<subscribers>" are subscribed to topic "<topic>"
    When "Alice" publishes "<message>" on topic "<topic>"
    Then every subscriber of "<topic>" should receive "<message>"

    Examples:
      | subscribers  | topic       | message         |
      | Bob, Charlie | dms/updates | release v0.5.0  |
      | Bob          | dms/jobs    | job 42 finished |

@feature:remote-invocation
Feature: Remote invocation of actor behaviours
  A message sent from one actor initiates a named behaviour on another.

  Background:
    Given the following nodes
      | nodes | role | onboarded | org   |
      | Alice | SP   | true      | nunet |
      | Bob   | CP   | true      | nunet |

  Scenario: A node invokes a behaviour of another node
    When "Alice" invokes "/dms/node/peers/self" on "Bob"
    Then the reply should contain the peer id of "Bob"

  Scenario: Invoking an unknown behaviour is answered with an error
    When "Alice" invokes "/dms/node/no-such-behaviour" on "Bob"
    Then the reply should be an error "unknown behaviour"

@feature:cli-access
Feature: Local access to the node API
  The node's API answers commands issued on its own machine and refuses everyone else.

  Background:
    Given the following nodes
      | nodes | role | onboarded | org   |
      | Alice | SP   | true      | nunet |
      | Bob   | CP   | true      | nunet |

  Scenario: The API answers a command issued on the node's own host
    When the status of "Alice" is requested from its own host
    Then the status should show the peer id of "Alice"

  Scenario: The API refuses a command issued from another node's address
    When the status of "Alice" is requested from the host of "Bob"
    Then the request should be refused

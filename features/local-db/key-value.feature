@feature:local-db
Feature: Local database
  Arbitrary information can be stored, retrieved and searched through the node's database interface.

  Background:
    Given the following nodes
      | nodes | role | onboarded | org   |
      | Alice | SP   | true      | nunet |

  Scenario: A stored record can be retrieved
    When "Alice" stores "config/region" with value "eu-west"
    Then "Alice" should return "eu-west" for "config/region"

  Scenario: Records can be searched by prefix
    Given "Alice" stores the records
      | key            | value   |
      | jobs/1/status  | running |
      | jobs/2/status  | done    |
      | config/region  | eu-west |
    When "Alice" searches for keys starting with "jobs/"
    Then the search should return 2 records

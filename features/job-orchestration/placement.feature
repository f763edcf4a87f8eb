@feature:job-orchestration @feature:hardware-capability
Feature: Job placement by capability
  A job with requirements lands on a node whose capabilities fit them.

  Background:
    Given the following nodes
      | nodes   | role | onboarded | org   |
      | Alice   | SP   | false     | nunet |
      | Bob     | CP   | true      | nunet |
      | Charlie | CP   | true      | nunet |

  Scenario: A job lands on the only node that fits
    Given "Bob" is onboarded with:
      | CPU | RAM | Disk |
      | 1   | 1GB | 2GB  |
    And "Charlie" is onboarded with:
      | CPU | RAM | Disk |
      | 4   | 8GB | 20GB |
    When "Alice" deploys "hello.yaml" requiring 2 CPU to the network
    Then the deployment should run on "Charlie"

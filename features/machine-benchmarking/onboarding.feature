@feature:machine-benchmarking
Feature: Machine benchmarking on onboarding

  Background:
    Given the following nodes
      | nodes | role | onboarded | org   |
      | Bob   | CP   | false     | nunet |

  Scenario: Onboarding benchmarks the machine and stores the result
    When "Bob" is onboarded with:
      | CPU | RAM | Disk |
      | 1   | 1GB | 1GB  |
    Then "Bob" should report a machine benchmark
    And the benchmark of "Bob" should be stored in its database

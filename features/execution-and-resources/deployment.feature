@feature:execution-and-resources
Feature: Job execution and resources
  As a Service Provider
  I want to deploy my computation on other nodes
  So that I don't have to use my machine

  Background:
    Given the following nodes
      | nodes | role | onboarded | org   |
      | Alice | SP   | false     | nunet |
      | Bob   | CP   | true      | nunet |

  Scenario: Retrieve output from execution
    Given "Alice" has deployed "hello.yaml" on "Bob"
    When "Alice" deployment is completed
    Then "Alice" ensemble should return "Hello"

  Scenario: Cancelling a deployment frees its resources
    Given "Alice" has deployed "sleep.yaml" on "Bob"
    When "Alice" cancels the deployment
    Then the deployment should be cancelled
    And the free resources of "Bob" should be as before the deployment

  Scenario: Deployment is rejected due to insufficient resources
    Given "Bob" is onboarded with:
      | CPU | RAM | Disk |
      | 2   | 4GB | 10GB |
    When "Alice" submits a deployment requiring 4 CPU, 2GB RAM and 5GB Disk to "Bob"
    Then the deployment should be rejected due to insufficient resources

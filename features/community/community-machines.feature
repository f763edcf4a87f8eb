@manual
Feature: A community tester's own machine
  Carried out by community testers on their own machines with a release candidate: what CI cannot
  do for them — a real install, real hardware, a real home network. Outcomes are submitted to the
  results hub (bdd-matrix manual submit, or its web form) and count once QA accepts them.

  @feature:machine-benchmarking
  Scenario: Onboarding a machine with the DMS command line
    Given a machine with the release candidate installed from its package
    When the tester onboards it with 2 cores, 4 GB of memory and 20 GB of disk
    Then "nunet info" shows the machine onboarded with those resources
    And the machine's benchmark is stored

  @feature:cli-access
  Scenario: The local API refuses requests from another machine
    Given an onboarded machine on the tester's home network
    When a second machine on the same network calls the machine's local API
    Then the call is refused
    And the same call from the machine itself is answered

  @feature:p2p-network
  Scenario Outline: The machine finds peers from behind a home router
    Given an onboarded machine behind a <router> router
    When the tester lists the machine's peers after 5 minutes
    Then at least one peer from the bootstrap list is connected

    Examples:
      | router           |
      | NAT              |
      | carrier-grade NAT |

# Scope features the reference node cannot exercise: planned work, estimated by complexity.
@wip
Feature: Planned acceptance scenarios

  @feature:actor-model @complexity:medium
  Scenario: Nodes and allocations exchange only immutable messages

  @feature:ucan @complexity:high
  Scenario: A message without a valid UCAN token is rejected

  @feature:storage @complexity:medium
  Scenario: An executor reads and writes data through the storage interface

  @feature:ip-over-libp2p @complexity:high
  Scenario: Containers on different machines reach each other over an IPv4 overlay

  @feature:observability @complexity:medium
  Scenario: Telemetry events of a deployment reach the collector

  @feature:workflow-definition @complexity:low
  Scenario: A Kubernetes-style job description converts to the NuNet job format

  @feature:tokenomics @complexity:low
  Scenario: A job invocation request carries its contract information

import { describe, expect, it } from 'vitest'
import { isReachable } from '../../environments/reference-node/p2p-node.ts'

// Under load, identify can come well after the connection: the contract test saw Bob's peer Alice
// reachable and nameless right after the cluster was ready.
describe('a reference node\'s peer is reachable', () => {
  it('when heard from within the horizon and identified: never nameless', () => {
    const now = 10_000
    expect(isReachable({ lastSeen: now - 100 }, 2000, now)).toBe(false)
    expect(isReachable({ name: 'Alice', lastSeen: now - 100 }, 2000, now)).toBe(true)
    expect(isReachable({ name: 'Alice', lastSeen: now - 2001 }, 2000, now)).toBe(false)
    expect(isReachable({ name: 'Alice' }, 2000, now)).toBe(false)
  })
})

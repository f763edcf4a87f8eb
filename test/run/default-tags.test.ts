import { describe, expect, it } from 'vitest'
import parseTagExpression from '@cucumber/tag-expressions'
import { defaultTags } from '../../src/run/default-tags.ts'
import { tagMeaning } from '../../src/catalogue/tag-meaning.ts'
import { tempTree } from '../helpers/temp-tree.ts'

describe('scenarios tagged for an environment (@env:<name>)', () => {
  it('reads the environments a scenario is tagged for, added up over Feature, Rule, Scenario and Examples', () => {
    expect(tagMeaning(['@feature:p2p-network', '@env:scale', '@wip', '@env:docker', '@env:scale']).environments).toEqual(['scale', 'docker'])
    expect(tagMeaning(['@feature:p2p-network'])).not.toHaveProperty('environments')
  })

  it('runs by default neither wip nor manual scenarios, nor those tagged only for other environments', () => {
    const dir = tempTree({
      'p2p/fifty.feature': '@feature:p2p-network @env:scale\nFeature: Fifty\n  Scenario: big\n    Given a step\n',
      'p2p/both.feature': 'Feature: Both\n  @env:scale @env:docker\n  Scenario: both\n    Given a step\n',
      'p2p/peers.feature': '@feature:p2p-network\nFeature: Peers\n  Scenario: small\n    Given a step\n',
    })
    const pick = (expression: string, tags: string[]) => parseTagExpression(expression).evaluate(tags)
    const onLocal = defaultTags(dir, 'local')
    expect(onLocal).toBe('not @wip and not @manual and (not (@env:docker or @env:scale) or @env:local)')
    expect(pick(onLocal, ['@feature:p2p-network'])).toBe(true)
    expect(pick(onLocal, ['@feature:p2p-network', '@env:scale'])).toBe(false)
    expect(pick(onLocal, ['@feature:p2p-network', '@wip'])).toBe(false)
    const onScale = defaultTags(dir, 'scale')
    expect(pick(onScale, ['@feature:p2p-network', '@env:scale'])).toBe(true)
    expect(pick(onScale, ['@env:scale', '@env:docker'])).toBe(true)
    expect(pick(onScale, ['@env:docker'])).toBe(false)
    // a scenario with no @env: tag runs wherever its features do
    expect(pick(onScale, ['@feature:p2p-network'])).toBe(true)
    expect(defaultTags(tempTree({ 'a.feature': 'Feature: A\n  Scenario: a\n    Given a step\n' }), 'local')).toBe('not @wip and not @manual')
    expect(defaultTags('/nonexistent/features', 'local')).toBe('not @wip and not @manual')
  })
})

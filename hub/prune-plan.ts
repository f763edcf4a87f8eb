/** Why a build stays when the hub's history is pruned. */
export type KeepReason = 'newest' | 'release' | 'approved' | 'gate evidence' | 'gate baseline'

export interface PrunePlan {
  /** builds to remove, oldest first */
  remove: string[]
  /** builds kept, oldest first, with every reason that holds */
  keep: { build: string; why: KeepReason[] }[]
}

export interface PruneInputs {
  /** every build of the hub, oldest first (orderBuilds) */
  order: string[]
  /** how many of the newest builds stay whatever else holds */
  keepBuilds: number
  /** releases (x.y.z, no suffix) stay: they are the baselines of `last-release` gates */
  keepReleases: boolean
  /** builds QA approved */
  approved: string[]
  /** gates that were evaluated (gate evidence files): the build gated and its baseline */
  gated: { build: string; baseline?: string }[]
}

const RELEASE = /^v?\d+\.\d+\.\d+$/

/**
 * The retention rule in one place: the newest N builds, every release, every approved build, and
 * every build a gate's evidence names (gated or baseline) stay; the rest go. A gate that was
 * evaluated can always be evaluated again on the same builds.
 */
export function prunePlan(inputs: PruneInputs): PrunePlan {
  const reasons = new Map<string, KeepReason[]>()
  const because = (build: string | undefined, why: KeepReason): void => {
    if (build === undefined) return
    const list = reasons.get(build) ?? []
    if (!list.includes(why)) list.push(why)
    reasons.set(build, list)
  }
  for (const build of inputs.order.slice(Math.max(0, inputs.order.length - inputs.keepBuilds))) because(build, 'newest')
  if (inputs.keepReleases) for (const build of inputs.order) if (RELEASE.test(build)) because(build, 'release')
  for (const build of inputs.approved) because(build, 'approved')
  for (const gate of inputs.gated) {
    because(gate.build, 'gate evidence')
    because(gate.baseline, 'gate baseline')
  }
  return {
    remove: inputs.order.filter((b) => !reasons.has(b)),
    keep: inputs.order.filter((b) => reasons.has(b)).map((build) => ({ build, why: reasons.get(build)! })),
  }
}

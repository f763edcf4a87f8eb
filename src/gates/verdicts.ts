/** A criterion's verdict, and a gate's. Their own module: reading a gate's evidence loads nothing else of the gates. */
export const CRITERION_VERDICTS = ['pass', 'pass-waived', 'waiting', 'fail'] as const
export const GATE_VERDICTS = ['go', 'go-with-waivers', 'incomplete', 'no-go'] as const

export type CriterionVerdict = (typeof CRITERION_VERDICTS)[number]
export type GateVerdict = (typeof GATE_VERDICTS)[number]

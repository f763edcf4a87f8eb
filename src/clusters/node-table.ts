import type { Environment } from './environment.ts'
import type { NodeRole, NodeSpec } from './node-spec.ts'

const NAME_COLUMNS = ['nodes', 'node', 'name']
const ORG_COLUMNS = ['org', 'organization']

/**
 * Reads a NuNet-style Background table (`| nodes | role | onboarded | org |`, also `node` and
 * `organization`, with extra columns such as `continent` and `country` kept as labels).
 * Resources come from the environment's node of the same name, else its defaults.
 */
export function nodesFromTable(rows: Record<string, string>[], env: Environment): NodeSpec[] {
  if (rows.length === 0) throw new Error('the nodes table is empty: add one row per node under | nodes | role | onboarded | org |')
  const columns = Object.keys(rows[0]!)
  const nameColumn = columns.find((c) => NAME_COLUMNS.includes(c.trim().toLowerCase()))
  if (!nameColumn) throw new Error(`the nodes table needs a "nodes" column (columns: ${columns.join(', ')})`)
  const orgColumn = columns.find((c) => ORG_COLUMNS.includes(c.trim().toLowerCase()))
  const known = new Set([nameColumn, orgColumn, 'role', 'onboarded'])
  const names = new Set<string>()
  return rows.map((row) => {
    const name = row[nameColumn]!.trim()
    if (names.has(name)) throw new Error(`node "${name}" appears twice in the nodes table`)
    names.add(name)
    const onboarded = parseBoolean(row.onboarded ?? 'false', name)
    const role = (row.role?.trim().toUpperCase() || (onboarded ? 'CP' : 'SP')) as NodeRole
    if (!['SP', 'CP', 'CH'].includes(role)) throw new Error(`node "${name}": role must be SP, CP or CH, not "${row.role}"`)
    const declared = env.nodes.find((n) => n.name === name)
    const labels = Object.fromEntries(columns.filter((c) => !known.has(c)).map((c) => [c.trim(), row[c]!.trim()]))
    const region = declared?.region ?? ([labels.continent, labels.country].filter(Boolean).join('/') || undefined)
    return {
      name,
      role,
      onboarded,
      org: (orgColumn ? row[orgColumn]?.trim() : undefined) || declared?.org || 'nunet',
      resources: declared?.resources ?? env.defaults.resources,
      ...(region ? { region } : {}),
      labels,
    }
  })
}

function parseBoolean(value: string, node: string): boolean {
  const v = value.trim().toLowerCase()
  if (['true', 'yes', 'y'].includes(v)) return true
  if (['false', 'no', 'n', ''].includes(v)) return false
  throw new Error(`node "${node}": onboarded must be true or false, not "${value}"`)
}

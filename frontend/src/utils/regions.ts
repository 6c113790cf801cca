import type { Region } from '@/api/identity'

export interface RegionNode {
  id: string
  value: string
  label: string
  path: string
  level: string
  children: RegionNode[]
}

/** The flat region list (GET /org/regions) as a tree, children sorted by code. */
export function regionTree(regions: readonly Region[]): RegionNode[] {
  const nodes = new Map<string, RegionNode>()
  for (const r of [...regions].sort((a, b) => a.code.localeCompare(b.code))) {
    nodes.set(r.id, { id: r.id, value: r.id, label: r.name, path: r.path, level: r.level, children: [] })
  }
  const roots: RegionNode[] = []
  for (const r of regions) {
    const node = nodes.get(r.id)!
    const parent = r.parent_id ? nodes.get(r.parent_id) : undefined
    if (parent) parent.children.push(node)
    else roots.push(node)
  }
  const byPath = (a: RegionNode, b: RegionNode) => a.path.localeCompare(b.path)
  const sortDeep = (list: RegionNode[]) => {
    list.sort(byPath)
    list.forEach((n) => sortDeep(n.children))
  }
  sortDeep(roots)
  return roots
}

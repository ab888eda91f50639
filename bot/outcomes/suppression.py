"""Small-number suppression for count tables with row and column totals.

A table is seen with its margins: ``grid[r][c]`` for the cells, the last
column holding row totals, the last row column totals and the corner the grand
total. Every row and every column (margins included) is a line whose entries
add up. Written as equations, each entry appears in exactly two lines (its row
and its column), so the hidden entries form a graph with lines as nodes and
entries as edges, and a hidden entry can be worked out from the published ones
exactly when it is a *bridge* of that graph (no cycle of hidden entries runs
through it). Protection therefore means:

1. primary: hide every entry from 1 to ``THRESHOLD - 1``;
2. secondary: while a hidden entry is a bridge, hide one more entry that puts
   it on a cycle, choosing the smallest non-zero cell, then totals, then zeros.

A line with exactly one hidden entry is the simplest bridge, so this includes
"suppress the next smallest in that row or column", and it also catches the
less obvious cases that span several rows and columns.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

THRESHOLD = 10

Grid = Sequence[Sequence[int]]
Position = tuple[int, int]


def with_margins(cells: Sequence[Sequence[int]], n_columns: int) -> list[list[int]]:
    """``cells`` (rows of counts) with a totals column, a totals row and the grand total."""
    rows = [list(row) + [sum(row)] for row in cells]
    totals = [sum(row[c] for row in rows) for c in range(n_columns + 1)]
    return rows + [totals]


def is_small(value: int) -> bool:
    return 0 < value < THRESHOLD


def _bridges(n_rows: int, n_cols: int, edges: list[Position]) -> list[Position]:
    """Bridges of the graph whose nodes are rows and columns and whose edges are ``edges``."""
    n_nodes = n_rows + n_cols
    adjacency: list[list[tuple[int, int]]] = [[] for _ in range(n_nodes)]
    for index, (r, c) in enumerate(edges):
        adjacency[r].append((n_rows + c, index))
        adjacency[n_rows + c].append((r, index))
    discovered = [-1] * n_nodes
    low = [0] * n_nodes
    clock = 0
    found: list[Position] = []
    for root in range(n_nodes):
        if discovered[root] != -1 or not adjacency[root]:
            continue
        discovered[root] = low[root] = clock
        clock += 1
        # Iterative depth-first search: a weekly report over years is deep.
        stack = [(root, -1, iter(adjacency[root]))]
        while stack:
            node, via, neighbours = stack[-1]
            descended = False
            for other, index in neighbours:
                if index == via:
                    continue
                if discovered[other] == -1:
                    discovered[other] = low[other] = clock
                    clock += 1
                    stack.append((other, index, iter(adjacency[other])))
                    descended = True
                    break
                low[node] = min(low[node], discovered[other])
            if descended:
                continue
            stack.pop()
            if stack:
                parent = stack[-1][0]
                low[parent] = min(low[parent], low[node])
                if low[node] > discovered[parent]:
                    found.append(edges[via])
    return found


def _components(n_rows: int, n_cols: int, edges: Iterable[Position]) -> list[int]:
    """Connected component id of every node (rows first, then columns)."""
    parent = list(range(n_rows + n_cols))

    def find(node: int) -> int:
        while parent[node] != node:
            parent[node] = parent[parent[node]]
            node = parent[node]
        return node

    for r, c in edges:
        parent[find(r)] = find(n_rows + c)
    return [find(node) for node in range(n_rows + n_cols)]


def _complement(grid: Grid, hidden: set[Position], bridge: Position) -> Position:
    """The entry to hide next so that ``bridge`` stops being recoverable."""
    n_rows, n_cols = len(grid), len(grid[0])
    component = _components(n_rows, n_cols, hidden - {bridge})
    sides = {component[bridge[0]], component[n_rows + bridge[1]]}

    def preference(position: Position) -> tuple:
        r, c = position
        value = grid[r][c]
        is_total = r == n_rows - 1 or c == n_cols - 1
        return (value == 0, is_total, value, r, c)

    open_positions = [(r, c) for r in range(n_rows) for c in range(n_cols) if (r, c) not in hidden]
    # Best: an entry joining the two sides, which closes a cycle through the bridge.
    joining = [p for p in open_positions if {component[p[0]], component[n_rows + p[1]]} == sides]
    if joining:
        return min(joining, key=preference)
    # Otherwise grow one side; a later round will close the cycle.
    touching = [p for p in open_positions if component[p[0]] in sides or component[n_rows + p[1]] in sides]
    return min(touching or open_positions, key=preference)


def protect(grid: Grid, forced: Iterable[Position] = ()) -> set[Position]:
    """Positions of ``grid`` (with margins) to hide; ``forced`` ones are hidden whatever they hold."""
    n_rows = len(grid)
    n_cols = len(grid[0]) if n_rows else 0
    if n_rows < 2 or n_cols < 2:
        raise ValueError("a grid needs at least one cell plus its margins")
    hidden = {(r, c) for r in range(n_rows) for c in range(n_cols) if is_small(grid[r][c])}
    hidden.update(forced)
    while True:
        bridges = _bridges(n_rows, n_cols, sorted(hidden))
        if not bridges:
            return hidden
        # With everything hidden there is no bridge (a complete bipartite
        # graph with two or more nodes a side), so this loop ends.
        hidden.add(_complement(grid, hidden, min(bridges)))


def protect_sharing_totals(grids: Sequence[Grid]) -> list[set[Position]]:
    """Protect tables that share their totals column (same row totals and grand total).

    A total hidden in one table must be hidden in all of them, or another
    table would publish it; repeat until the tables agree.
    """
    forced_rows: set[int] = set()
    while True:
        results = [protect(g, {(r, len(g[0]) - 1) for r in forced_rows}) for g in grids]
        rows = {r for g, hidden in zip(grids, results, strict=True) for r, c in hidden if c == len(g[0]) - 1}
        if rows == forced_rows:
            return results
        forced_rows = rows

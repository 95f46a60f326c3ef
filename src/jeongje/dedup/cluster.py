"""Clusters of verified near-duplicate pairs, all in numpy arrays of node numbers.

Nodes are numbered in keep order (node 0 is the document the keep rule prefers most), so
"the best node" of any set is its smallest number. Both policies return, per node, the
kept node of its cluster (`keeper`, itself for a kept node), the node it was linked
through (`via`) and the verified edge of that link (`edge`, -1 for a kept node):

- `star` (the default policy): greedy center clustering. Taken in keep order, a node not
  yet claimed becomes a kept center and claims every unclaimed node it has a verified
  edge with; a claimed node is dropped as a duplicate of the best center it has an edge
  with. Every dropped node is then within the threshold of its kept document, verified:
  a cluster cannot chain past the threshold (A~B, B~C, but C far from A: C stays, or
  starts its own cluster). The greedy order is computed in rounds (in each, every
  unclaimed node with no better unclaimed neighbour becomes a center), which gives the
  same centers as the one-at-a-time greedy walk.
- `union_find`: connected components (the transitive closure of the verified pairs), the
  best node of each kept; `via` is the node's parent in a breadth-first tree from the
  keeper, so each link is verified but the dropped node may be far from the keeper.
"""

from __future__ import annotations

import numpy as np

CENTER, CLAIMED, OPEN = 1, 2, 0


def star(n: int, x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(keeper, via, edge) per node for the undirected edges (x[k], y[k]); see module doc."""
    state = np.zeros(n, np.int8)
    ex, ey = x[x != y], y[x != y]  # a document is no duplicate of itself
    nodes = np.arange(n, dtype=np.int64)
    while True:
        open_ = state == OPEN
        if not open_.any():
            break
        live = open_[ex] & open_[ey]
        ex, ey = ex[live], ey[live]
        best = nodes.copy()  # the best open node among each node and its open neighbours
        np.minimum.at(best, ex, ey)
        np.minimum.at(best, ey, ex)
        centers = open_ & (best == nodes)
        state[centers] = CENTER
        state[ey[centers[ex]]] = CLAIMED  # two new centers are never neighbours
        state[ex[centers[ey]]] = CLAIMED
    keeper, via, edge = nodes.copy(), nodes.copy(), np.full(n, -1, np.int64)
    # each claimed node: the best center it has an edge with (the one that claimed it)
    src = np.concatenate([x, y])
    dst = np.concatenate([y, x])
    ids = np.concatenate([np.arange(len(x)), np.arange(len(x))])
    m = (state[src] == CENTER) & (state[dst] == CLAIMED)
    src, dst, ids = src[m], dst[m], ids[m]
    order = np.lexsort((src, dst))
    src, dst, ids = src[order], dst[order], ids[order]
    first = np.ones(len(dst), bool)
    first[1:] = dst[1:] != dst[:-1]
    keeper[dst[first]] = src[first]
    via[dst[first]] = src[first]
    edge[dst[first]] = ids[first]
    return keeper, via, edge


def union_find(n: int, x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(keeper, via, edge) per node: components, each node's parent in a breadth-first
    tree from its component's best node (the nearest best parent at each layer)."""
    keeper = components(n, x, y)
    via, edge = np.arange(n, dtype=np.int64), np.full(n, -1, np.int64)
    seen = keeper == np.arange(n)
    src = np.concatenate([x, y])
    dst = np.concatenate([y, x])
    ids = np.concatenate([np.arange(len(x)), np.arange(len(x))])
    while True:
        m = seen[src] & ~seen[dst]
        if not m.any():
            break
        s, d, k = src[m], dst[m], ids[m]
        order = np.lexsort((s, d))
        s, d, k = s[order], d[order], k[order]
        first = np.ones(len(d), bool)
        first[1:] = d[1:] != d[:-1]
        via[d[first]], edge[d[first]] = s[first], k[first]
        seen[d[first]] = True
    return keeper, via, edge


def components(n: int, x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Connected components of the graph on 0..n-1 with edges (x[i], y[i]): each node's
    label is the smallest node of its component (min-label propagation with pointer
    jumping, all in numpy arrays)."""
    labels = np.arange(n, dtype=np.int64)
    if len(x) == 0:
        return labels
    while True:
        low = np.minimum(labels[x], labels[y])
        new = labels.copy()
        np.minimum.at(new, x, low)
        np.minimum.at(new, y, low)
        while True:  # a label is always a node at or below its own: jump to the root
            jumped = new[new]
            if np.array_equal(jumped, new):
                break
            new = jumped
        if np.array_equal(new, labels):
            return labels
        labels = new

"""Graph input: edge lists, NetworkX graphs and SciPy matrices as a compact CSR with a node-id map.

:class:`Graph` holds a graph as compressed sparse rows: ``indptr`` (int64, one entry per node
plus one), ``indices`` (int32, or int64 beyond 2**31 nodes, sorted within each row) and, when
weighted, ``weights`` (float32). An undirected edge is stored in both rows. Node ids of any kind
(integers or strings) are kept, as strings, in ``nodes`` (they become the vector keys), in the
order they first appear.

Readers:

* :func:`read_edgelist`: CSV, TSV or space-separated edge lists, with or without a header line
  (detected, or forced with ``header=``), ``#``/``%`` comment lines, an optional numeric weight as
  the third column (read with ``weighted=True``; weights must be positive numbers; any other
  extra column is an error); duplicate edges are merged (weights summed) and self-loops dropped
  (``self_loops=True`` keeps them), both counted in ``Graph.stats`` and logged. While reading,
  edges are held as int32 pairs (plus float32 weights), so memory stays close to the CSR itself
  (~12 bytes per edge).
* :meth:`Graph.from_networkx`, :meth:`Graph.from_scipy`, :func:`as_graph` (any of those, or a path).
* :func:`load_planetoid` (``ind.<name>.*`` pickles with the standard train/val/test split) and
  :func:`load_karateclub` (``edges.csv`` + ``target.csv``): benchmark layouts.
"""


from __future__ import annotations

from .core import Graph, read_edgelist
from .labels import (
    NodeLabels,
    PlanetoidData,
    as_graph,
    is_planetoid_dir,
    load_karateclub,
    load_planetoid,
    read_node_labels,
)
from .splits import EdgeSplit, LinkPairs, load_link_pairs, split_edges, write_edge_split, write_rows

__all__ = [
    "Graph",
    "read_edgelist",
    "as_graph",
    "NodeLabels",
    "read_node_labels",
    "PlanetoidData",
    "load_planetoid",
    "load_karateclub",
    "is_planetoid_dir",
    "EdgeSplit",
    "split_edges",
    "write_edge_split",
    "LinkPairs",
    "load_link_pairs",
    "write_rows",
]

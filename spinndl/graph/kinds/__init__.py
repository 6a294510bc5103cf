"""The layer kinds on the machine: one module per kind, next to the shared
vertex (docs/architecture.md, "Adding a layer kind")."""

from typing import Dict, Type

from ..layer_vertex import LayerVertex
from .dense import DenseVertex
from .window import ConvVertex, PoolVertex

#: Layer kind (``Layer.kind``) -> its application vertex class.
VERTEX_CLASSES: Dict[str, Type[LayerVertex]] = {
    "dense": DenseVertex, "conv1d": ConvVertex, "conv2d": ConvVertex,
    "max_pooling1d": PoolVertex, "max_pooling2d": PoolVertex,
    "average_pooling1d": PoolVertex, "average_pooling2d": PoolVertex}


def vertex_class(kind: str) -> Type[LayerVertex]:
    """The vertex class of a layer kind, or a ValueError naming it."""
    if kind not in VERTEX_CLASSES:
        raise ValueError(f"layer kind {kind!r} cannot run on the machine; "
                         f"kinds that can: {sorted(VERTEX_CLASSES)}")
    return VERTEX_CLASSES[kind]
